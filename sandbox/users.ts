/** Demo people of the sandbox portal: a trade-union committee with clearly fictional names. */
import type { SandboxDepartment, SandboxUser } from './types.js';

export const DEFAULT_DEPARTMENTS: SandboxDepartment[] = [
  { id: 1, name: 'Первичная профсоюзная организация', sort: 500, parent: null, head: 3 },
  { id: 2, name: 'Аппарат профкома', sort: 500, parent: 1, head: 3 },
  { id: 3, name: 'Бухгалтерия профкома', sort: 500, parent: 1, head: 7 },
  { id: 4, name: 'Цех № 1', sort: 500, parent: 1, head: 5 },
  { id: 5, name: 'Цех № 2', sort: 500, parent: 1, head: 6 },
];

function user(
  id: number,
  role: string,
  name: string,
  lastName: string,
  workPosition: string,
  departments: number[],
  gender: 'M' | 'F',
  isAdmin = false,
): SandboxUser {
  return {
    id,
    role,
    name,
    lastName,
    secondName: '',
    email: `user${id}@du-sandbox.test`,
    workPosition,
    departments,
    isAdmin,
    active: true,
    gender,
  };
}

export const DEFAULT_USERS: SandboxUser[] = [
  user(1, 'admin', 'Администратор', 'Портала', 'Администратор портала', [1], 'M', true),
  user(2, 'clerk', 'Ирина', 'Протоколова', 'Делопроизводитель профкома', [2], 'F'),
  user(3, 'chairman', 'Виктор', 'Председателев', 'Председатель профкома', [2], 'M'),
  user(4, 'deputy', 'Олег', 'Заместителев', 'Заместитель председателя профкома', [2], 'M'),
  user(5, 'head', 'Марина', 'Цехова', 'Начальник цеха № 1', [4], 'F'),
  user(6, 'head', 'Павел', 'Участков', 'Начальник цеха № 2', [5], 'M'),
  user(7, 'accountant', 'Галина', 'Балансова', 'Бухгалтер профкома', [3], 'F'),
  user(8, 'employee', 'Сергей', 'Слесарев', 'Слесарь-ремонтник', [4], 'M'),
  user(9, 'employee', 'Елена', 'Сменова', 'Оператор линии', [5], 'F'),
  user(10, 'employee', 'Дмитрий', 'Токарев', 'Токарь', [4], 'M'),
];
