/** poll:create fields the poll tests share (no server code here: integration tests import it too). */

/** A simple majority of the ballots cast, abstentions left out: the threshold most poll tests use. */
export const majority = { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } as const;

/** A roll-call motion for members only, live results, passed by a simple majority. */
export const rollCallMembersMotion = {
  kind: 'motion',
  eligibility: 'members',
  secrecy: 'roll_call',
  results: 'live',
  rule: { quorum: { kind: 'none' }, threshold: majority },
} as const;

/** The same motion with secret ballots. */
export const secretMembersMotion = { ...rollCallMembersMotion, secrecy: 'secret' } as const;

/** The secret motion open to everyone, residents on an unverified join too. */
export const secretOpenMotion = { ...secretMembersMotion, eligibility: 'everyone', residentAccess: 'open_unverified' } as const;
