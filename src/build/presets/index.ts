/** The targets `wsgi-edge build` knows, by name. */
import type { Preset } from '../index.ts';
import { cloudflarePreset } from './cloudflare/build.ts';
import { denoPreset } from './deno/build.ts';
import { lambdaPreset } from './lambda/build.ts';

export const PRESETS: Readonly<Record<string, Preset>> = { lambda: lambdaPreset, deno: denoPreset, cloudflare: cloudflarePreset };
