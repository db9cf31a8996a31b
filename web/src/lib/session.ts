import { goto } from '$app/navigation';
import type { ApiError, Result, Session } from '@yishi/protocol';
import { resetConnection } from '$lib/live';

/**
 * Runs a request that sets a new session cookie (first-run setup, a sign-in, a resident joining).
 * On success the live connection starts again with the new cookie (the old one was
 * authenticated as someone else) and the page moves on to `to(session)`; on failure the error
 * comes back for the form to show.
 */
export async function startSession(request: Promise<Result<Session>>, to: (session: Session) => string = () => '/'): Promise<ApiError | null> {
  const r = await request;
  if (!r.ok) return r.error;
  resetConnection();
  await goto(to(r.data), { replaceState: true });
  return null;
}
