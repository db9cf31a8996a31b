/** poll:create fields the poll tests share (no server code here: integration tests import it too). */

/** A simple majority of the ballots cast, abstentions left out: the threshold most poll tests use. */
export const majority = { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } as const;

/** The poll:create fields of a secret motion for members only, live results, passed by a simple majority. */
export const secretMembersMotion = {
  kind: 'motion',
  eligibility: 'members',
  secrecy: 'secret',
  results: 'live',
  rule: { quorum: { kind: 'none' }, threshold: majority },
} as const;

/** The poll:create fields of a roll-call motion for members only, live results, passed by a simple majority. */
export const rollCallMembersMotion = {
  kind: 'motion',
  eligibility: 'members',
  secrecy: 'roll_call',
  results: 'live',
  rule: { quorum: { kind: 'none' }, threshold: majority },
} as const;

/** The poll:create fields of a secret motion for everyone, residents on an unverified join too, live results, simple majority. */
export const secretOpenMotion = {
  kind: 'motion',
  eligibility: 'everyone',
  secrecy: 'secret',
  results: 'live',
  rule: { quorum: { kind: 'none' }, threshold: majority },
  residentAccess: 'open_unverified',
} as const;
