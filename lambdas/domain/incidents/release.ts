/** The join keys an incident holds: given back when it is dismissed or closed. */
import type { Incident } from './model';

export const joinKeysOf = (incident: Incident): string[] => [
  ...incident.actorSubs.map((sub) => `ACTOR#${sub}`),
  ...incident.resources.map((r) => `RESOURCE#${r}`),
];
