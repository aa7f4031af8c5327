import { describe, expect, it } from 'vitest';
import { nameKeyOf, normaliseEmail, normaliseFullName, normaliseNamePart, normalisePhone, splitFullName } from '../../app/domain/membership/names.js';
import { describeHints } from '../../app/crm/duplicates.js';

describe('normaliseFullName', () => {
  it('drops case, turns ё into е and trims', () => {
    expect(normaliseFullName('  СЕМЁНОВА ', 'алёна', 'Петровна')).toBe('семенова алена петровна');
    expect(normaliseFullName('Семенова', 'Алена', 'петровна')).toBe(normaliseFullName('Семёнова', 'Алёна', 'Петровна'));
  });

  it('treats a hyphen like a space: «Петрова-Водкина» and «Петрова Водкина» are one surname', () => {
    const a = normaliseFullName('Петрова-Водкина', 'Анна', 'Сергеевна');
    expect(a).toBe('петрова водкина анна сергеевна');
    expect(normaliseFullName('Петрова Водкина', 'Анна', 'Сергеевна')).toBe(a);
    expect(normaliseFullName('Петрова - Водкина', 'Анна', 'Сергеевна')).toBe(a);
    // en dash, em dash, non-breaking hyphen, minus sign
    for (const dash of ['–', '—', '\u2011', '\u2212']) expect(normaliseFullName(`Петрова${dash}Водкина`, 'Анна', 'Сергеевна')).toBe(a);
  });

  it('collapses every kind of whitespace (tabs, NBSP, thin space, line breaks)', () => {
    expect(normaliseFullName('Иванова\u00a0\u00a0', '\tМария\n', 'Петровна\u2009')).toBe('иванова мария петровна');
    expect(normaliseFullName('Анна  Мария', 'Лейла', '')).toBe('анна мария лейла');
  });

  it('leaves out an empty or missing patronymic without a trailing space', () => {
    expect(normaliseFullName('Смит', 'Джон')).toBe('смит джон');
    expect(normaliseFullName('Смит', 'Джон', '   ')).toBe('смит джон');
    expect(normaliseFullName('Смит', 'Джон', null)).toBe('смит джон');
  });

  it('composes decomposed letters (й, ё typed as base + combining mark)', () => {
    const decomposedI = 'Сергеи\u0306'; // и + combining breve
    const decomposedYo = 'Федо\u0435\u0308ров'; // е + combining diaeresis
    expect(normaliseNamePart(decomposedI)).toBe('сергей');
    expect(normaliseNamePart(decomposedYo)).toBe(normaliseNamePart('Федоёров'));
    expect(normaliseNamePart(decomposedYo)).toBe('федоеров');
  });

  it('fixes Latin look-alike letters inside a Cyrillic word, but keeps Latin names Latin', () => {
    expect(normaliseFullName('Ивaнoв', 'Пётр', 'Сeргеевич')).toBe(normaliseFullName('Иванов', 'Петр', 'Сергеевич')); // Latin a, o, e
    expect(normaliseFullName('CМИРНОВ', 'ОЛЕГ')).toBe('смирнов олег'); // Latin C
    expect(normaliseFullName('Smith', 'John')).toBe('smith john');
    expect(normaliseFullName('Smith', 'John')).not.toBe(normaliseFullName('Смит', 'Джон'));
  });

  it('keeps apostrophes and dots (they are part of the name)', () => {
    expect(normaliseFullName("Д'Артаньян", 'Шарль')).toBe("д'артаньян шарль");
    expect(normaliseFullName("Д'Артаньян", 'Шарль')).not.toBe(normaliseFullName('Д Артаньян', 'Шарль'));
  });

  it('does not merge different people', () => {
    expect(normaliseFullName('Иванова', 'Мария', 'Петровна')).not.toBe(normaliseFullName('Иванова', 'Мария', 'Павловна'));
    expect(normaliseFullName('Иванов', 'Мария')).not.toBe(normaliseFullName('Мария', 'Иванов'));
  });

  it('nameKeyOf is empty without a name and capped in length', () => {
    expect(nameKeyOf('', '', '')).toBe('');
    expect(nameKeyOf('А'.repeat(400), 'Б').length).toBe(255);
  });
});

describe('normalisePhone', () => {
  it.each([
    ['8 (912) 345-67-89', '+79123456789'],
    ['+7 (912) 345-67-89', '+79123456789'],
    ['+7 912 345 67 89', '+79123456789'],
    ['7-912-345-67-89', '+79123456789'],
    ['89123456789', '+79123456789'],
    ['9123456789', '+79123456789'],
    ['(812) 123-45-67', '+78121234567'],
    ['4951234567', '+74951234567'],
    ['8 (495) 123-45-67 доб. 123', '+74951234567'],
    ['+7 495 123-45-67 ext 5', '+74951234567'],
    ['+375 29 123-45-67', '+375291234567'],
    ['８９１２３４５６７８９', '+79123456789'], // full-width digits
  ])('%s → %s', (raw, want) => {
    expect(normalisePhone(raw)).toBe(want);
  });

  it.each(['', '   ', '123-45', '+7 912 345', 'нет', 'тел. отсутствует', '8 800 555 35 35 35', '1234567890', '5123456789', '+7 (912) 345-67-89-00'])('%s is not a phone', (raw) => {
    expect(normalisePhone(raw)).toBeNull();
  });

  it('accepts a number typed as a number (XLSX cells)', () => {
    expect(normalisePhone(89123456789)).toBe('+79123456789');
    expect(normalisePhone(null)).toBeNull();
  });
});

describe('normaliseEmail', () => {
  it('lower-cases and trims', () => {
    expect(normaliseEmail('  Ivanova.M@Example.RU ')).toBe('ivanova.m@example.ru');
    expect(normaliseEmail('mailto:Petrov@mail.ru')).toBe('petrov@mail.ru');
    expect(normaliseEmail('почта@пример.рф')).toBe('почта@пример.рф');
  });

  it.each(['', 'ivanova', 'ivanova@', '@mail.ru', 'ivanova@mail', 'iva nova@mail.ru', 'a@b..ru', 'ivanova@mail.r'])('%s is not an e-mail', (raw) => {
    expect(normaliseEmail(raw)).toBeNull();
  });
});

describe('splitFullName', () => {
  it('splits surname, name and patronymic, keeping compound patronymics whole', () => {
    expect(splitFullName('Иванова Мария Петровна')).toEqual({ last: 'Иванова', first: 'Мария', middle: 'Петровна' });
    expect(splitFullName('  Алиев   Рашид Мамед оглы ')).toEqual({ last: 'Алиев', first: 'Рашид', middle: 'Мамед оглы' });
    expect(splitFullName('Смит Джон')).toEqual({ last: 'Смит', first: 'Джон', middle: '' });
    expect(splitFullName('Иванова')).toBeNull();
    expect(splitFullName('')).toBeNull();
  });
});

describe('describeHints', () => {
  it('says what matches besides the name, in Russian', () => {
    expect(describeHints({ birthDate: true, phone: false, email: false })).toBe('совпадает ФИО и дата рождения');
    expect(describeHints({ birthDate: true, phone: true, email: true })).toBe('совпадает ФИО, дата рождения, телефон и e-mail');
    expect(describeHints({ birthDate: false, phone: true, email: true })).toBe('совпадает ФИО, телефон и e-mail');
    expect(describeHints({ birthDate: false, phone: false, email: false })).toBe('совпадает только ФИО');
  });
});
