import type { BuiltinGroup } from '@yishi/protocol';

/** The five stakeholder groups the source essay names, plus residents as their own group. */
export const DEFAULT_GROUPS: readonly { builtin: BuiltinGroup; name: string }[] = [
  { builtin: 'residents_committee', name: '居委会' },
  { builtin: 'owners_committee', name: '业委会' },
  { builtin: 'property_management', name: '物业' },
  { builtin: 'social_organisations', name: '社会组织' },
  { builtin: 'local_units', name: '驻地单位' },
  { builtin: 'residents', name: '居民' },
];
