import type {
  ApiError,
  Council,
  CreateGroupBody,
  CreateMeetingBody,
  CreateMemberBody,
  ErrorCode,
  GroupId,
  JoinPreview,
  LinkOrigin,
  LinkSignInBody,
  Meeting,
  MeetingId,
  MemberId,
  PasswordSignInBody,
  ResidentJoinBody,
  Result,
  Session,
  SetupStatus,
  SetPasswordBody,
  SetupBody,
  SignInLink,
  UpdateCouncilBody,
  UpdateGroupBody,
  UpdateMemberBody,
} from '@yishi/protocol';
import { NETWORK } from '$lib/i18n';

// Only types come from @yishi/protocol here: the zod schemas stay out of the residents' bundle.

function statusCode(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'invalid_input';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'rate_limited';
    default:
      return 'internal';
  }
}

function isApiError(v: unknown): v is ApiError {
  return typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string';
}

/** fetch that never throws: success is the JSON value, failure the server's `{error}` body. */
export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<Result<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, error: { code: 'internal', message: NETWORK } };
  }
  let json: unknown;
  try {
    const text = await res.text();
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.ok) return { ok: true, data: json as T };
  const error = (json as { error?: unknown } | null)?.error;
  return { ok: false, error: isApiError(error) ? error : { code: statusCode(res.status) } };
}

const enc = encodeURIComponent;

export const api = {
  session: () => request<Session>('GET', '/api/session'),
  setupStatus: () => request<SetupStatus>('GET', '/api/setup'),
  setup: (body: SetupBody) => request<Session>('POST', '/api/setup', body),
  signInWithLink: (body: LinkSignInBody) => request<Session>('POST', '/api/auth/link', body),
  signInWithPassword: (body: PasswordSignInBody) => request<Session>('POST', '/api/auth/password', body),
  logout: () => request<Record<string, never>>('POST', '/api/auth/logout'),
  setPassword: (body: SetPasswordBody) => request<Session>('PUT', '/api/me/password', body),

  council: () => request<Council>('GET', '/api/council'),
  updateCouncil: (body: UpdateCouncilBody) => request<Council>('PATCH', '/api/council', body),
  createGroup: (body: CreateGroupBody) => request<Council>('POST', '/api/council/groups', body),
  updateGroup: (id: GroupId, body: UpdateGroupBody) => request<Council>('PATCH', `/api/council/groups/${enc(id)}`, body),
  deleteGroup: (id: GroupId) => request<Council>('DELETE', `/api/council/groups/${enc(id)}`),
  createMember: (body: CreateMemberBody) => request<{ council: Council; link: SignInLink }>('POST', '/api/council/members', body),
  updateMember: (id: MemberId, body: UpdateMemberBody) => request<Council>('PATCH', `/api/council/members/${enc(id)}`, body),
  newLink: (id: MemberId) => request<SignInLink>('POST', `/api/council/members/${enc(id)}/link`),
  revokeLink: (id: MemberId) => request<Record<string, never>>('DELETE', `/api/council/members/${enc(id)}/link`),
  linkOrigin: () => request<LinkOrigin>('GET', '/api/link-origin'),

  meetings: () => request<Meeting[]>('GET', '/api/meetings'),
  createMeeting: (body: CreateMeetingBody) => request<Meeting>('POST', '/api/meetings', body),
  meeting: (id: MeetingId) => request<Meeting>('GET', `/api/meetings/${enc(id)}`),

  joinPreview: (code: string) => request<JoinPreview>('GET', `/api/join/${enc(code)}`),
  join: (body: ResidentJoinBody) => request<Session>('POST', '/api/join', body),
};
