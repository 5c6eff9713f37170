/**
 * Debian's Chromium (`apt-get install chromium`), headless, driven by playwright-core. The flags keep it
 * off the network it would otherwise reach on its own (updates, sync, QUIC probes) and let it run as root
 * in a container; playwright gives each launch a fresh profile of its own.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
