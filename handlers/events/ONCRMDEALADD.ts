import handler from './ONCRMDEALUPDATE.js';

/** A new deal starts in a stage too (a web form creates it in "Новое заявление"). */
export default handler;
