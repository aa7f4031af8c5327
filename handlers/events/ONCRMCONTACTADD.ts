import handler from './ONCRMCONTACTUPDATE.js';

/** A contact from a web form, staff or an import gets its name key too. */
export default handler;
