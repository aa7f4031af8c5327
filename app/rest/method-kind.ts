/**
 * What a REST method does, judged by its name. Bitrix names are regular enough for this:
 * `crm.item.add`, `bizproc.event.send`, `disk.folder.uploadfile`, `placement.bind` …
 */

/** Calls whose effect is unknown after a lost answer and that would duplicate if repeated. */
const NON_IDEMPOTENT_SUFFIX = /\.(add|send|uploadfile|addsubfolder|start|copy|import|batchimport|notify|attach|upload)$/i;

/** Anything that changes data on the portal (counted as a mutation). */
const MUTATION_SUFFIX =
  /\.(add|update|delete|set|bind|unbind|send|start|terminate|complete|uploadfile|addsubfolder|attach|copy|move|rename|import|batchimport|notify|upload|clear|register|unregister|markasread|fields\.set)$/i;

export function isIdempotentMethod(method: string): boolean {
  return !NON_IDEMPOTENT_SUFFIX.test(method.trim());
}

export function isMutationMethod(method: string): boolean {
  return MUTATION_SUFFIX.test(method.trim());
}
