import type { Server as HttpServer } from 'node:http';
import type { Router } from 'express';
import { AppError } from '../errors.ts';
import type { Action, Principal, Target } from '@yishi/domain';
import type { ClientEventName, ClientPayload, ClientResults, ViewKind } from '@yishi/protocol';
import type { YishiServer, YishiSocket } from '../realtime/types.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Services } from '../services.ts';
import type { ViewRegistry, ViewSpec } from './view-spec.ts';

export { defineView, type ViewContext, type ViewRegistry, type ViewSpec } from './view-spec.ts';

/**
 * A feature of Yishi (meetings, attendance, polls; later agenda, opinions, floor, consensus) is
 * one folder under features/ exporting one Feature: what it answers on the socket, the live
 * views it computes, its HTTP routes. The core (core/events.ts, realtime/live-views.ts, app.ts)
 * loops over the registered features; it knows none of them by name.
 */
export interface Feature {
  name: string;
  /** Socket events: the schema of each is ClientEvents[name] in @yishi/protocol. */
  events?: EventTable;
  /** Live views, one compute function per kind. */
  views?: readonly ViewSpec[];
  /** HTTP routes under /api, if any. */
  routes?: (services: Services) => Router;
  /**
   * Runs once per instance at start, before it listens: registers deadline handlers with the
   * scheduler, listens for other instances' messages, starts its own sweeps. Returns what undoes
   * that at close (a function, not a method of the feature: tests run several instances in one
   * process, each with its own timers).
   */
  start?: (ctx: StartContext) => Promise<Stop | void> | Stop | void;
}

/** What a feature's start may use beyond the services. */
export interface StartContext {
  services: Services;
  /** The one deadline scheduler (it starts once every feature has registered its kinds). */
  scheduler: Scheduler;
  /** For messages between instances (serverSideEmit...), which only the fan-out's capability says exist. */
  io: YishiServer;
  /** The HTTP server, for a feature that takes websocket upgrades of its own (the Yjs endpoint, on /yjs/). */
  http: HttpServer;
  /** True when other instances may exist (Redis fan-out): see Fanout#relaysToOtherInstances. */
  relaysToOtherInstances: boolean;
}

export type Stop = () => Promise<void> | void;

/**
 * The acting member, for actions only members are ever granted (can() refuses residents these,
 * so this never refuses after authorisation: it narrows the type for the member's id).
 */
export function actingMember(principal: Principal): Extract<Principal, { kind: 'member' }> {
  if (principal.kind !== 'member') throw new AppError('forbidden', 'members only');
  return principal;
}

/** What a handler sees: the services, the calling socket and who is acting (already authorised). */
export interface EventContext {
  services: Services;
  socket: YishiSocket;
  principal: Principal;
}

export interface EventSpec<E extends ClientEventName> {
  /**
   * What the caller needs to be allowed, checked once by the core with can() before `handle`
   * runs. null: the event only changes the caller's own socket (leaving a room), so there is
   * nothing to authorise.
   */
  action: Action | null;
  /**
   * Where the action applies, from the parsed payload (the council and meeting of a meeting or a
   * poll). It may itself refuse when the caller cannot address the thing at all.
   */
  target?: (ctx: EventContext, payload: ClientPayload<E>) => Promise<Target>;
  handle: (ctx: EventContext, payload: ClientPayload<E>) => Promise<ClientResults[E]>;
}

export type EventTable = { [E in ClientEventName]?: EventSpec<E> };

/** The views of the given features; two features may not register the same kind. */
export function viewRegistry(features: readonly Feature[]): ViewRegistry {
  const registry = new Map<ViewKind, ViewSpec>();
  for (const f of features) {
    for (const v of f.views ?? []) {
      if (registry.has(v.kind)) throw new Error(`view ${v.kind} registered twice (${f.name})`);
      registry.set(v.kind, v as unknown as ViewSpec);
    }
  }
  return registry;
}

/**
 * Every client event with its one handler. Throws at start-up when an event of the protocol has
 * no handler or two: a feature half registered must not boot.
 */
export function eventTable(features: readonly Feature[], names: readonly ClientEventName[]): Required<EventTable> {
  const table: EventTable = {};
  for (const f of features) {
    for (const [name, spec] of Object.entries(f.events ?? {}) as [ClientEventName, EventSpec<ClientEventName>][]) {
      if (table[name]) throw new Error(`event ${name} handled twice (${f.name})`);
      (table as Record<string, unknown>)[name] = spec;
    }
  }
  const missing = names.filter((n) => !table[n]);
  if (missing.length > 0) throw new Error(`no feature handles ${missing.join(', ')}`);
  return table as Required<EventTable>;
}
