import { Logger, type Provider } from '@nestjs/common';
import { TICKETING_CONFIG, type TicketingConfig } from '../config/ticketing-config';
import { BUNDLE_SIGNER, loadOrCreateSigningKey, loadSigningKeyFile, type BundleSigner } from './signing-key';

/** `TICKETING_SIGNING_KEY_FILE`: a mounted Ed25519 key (PKCS#8 PEM); unset, one generated into the data folder. */
export const signingKeyFileFromEnv = (env: NodeJS.ProcessEnv = process.env): string | undefined => env['TICKETING_SIGNING_KEY_FILE']?.trim() || undefined;

/** The key evidence bundles and audit exports are signed with, for this configuration. */
export function loadBundleSigner(config: TicketingConfig, env: NodeJS.ProcessEnv = process.env): Promise<BundleSigner> {
  const file = signingKeyFileFromEnv(env);
  if (file !== undefined) return loadSigningKeyFile(file);
  // On a shared event store there are usually several replicas: each would sign with a key of its own.
  if (config.eventStore.kind === 'kurrentdb') {
    new Logger('BundleSigner').warn(`TICKETING_SIGNING_KEY_FILE is not set: bundles are signed with a key generated in ${config.dataDir}, which other replicas do not share`);
  }
  return loadOrCreateSigningKey(config.dataDir);
}

/** BUNDLE_SIGNER for a context module that signs (disputes' bundles, audit's exports): one key for both. */
export const bundleSignerProvider: Provider = { provide: BUNDLE_SIGNER, useFactory: (config: TicketingConfig) => loadBundleSigner(config), inject: [TICKETING_CONFIG] };
