import { Module, type Provider } from '@nestjs/common';
import { bundleSignerProvider, TICKETING_CONFIG, type TicketingConfig } from '@ticketing/platform';
import { DisputeAccess } from './access/dispute-access.service';
import { disputePartiesProjection } from './access/dispute-parties.projection';
import { BLOB_STORE } from './attachments/blob-store';
import { createBlobStore } from './attachments/blob-store.factory';
import { DisputeBundleService } from './bundle/dispute-bundle.service';
import { disputeCasesProjection } from './cases/dispute-cases.projection';
import { DisputesService } from './dispute/disputes.service';
import { DISPUTES_SETTINGS, disputesSettingsFromEnv, type DisputesSettings } from './disputes.settings';
import { DisputesGrpcController } from './grpc/disputes.grpc.controller';
import { DisputesHttpController } from './http/disputes.http.controller';
import { RecoveriesHttpController } from './http/recoveries.http.controller';
import { RecoveriesService } from './recovery/recoveries.service';
import { RecoveryEtaWatch } from './recovery/recovery-eta.watch';
import { DisputesMetrics } from './metrics/disputes.metrics';

const providers: Provider[] = [
  { provide: DISPUTES_SETTINGS, useFactory: () => disputesSettingsFromEnv() },
  {
    provide: BLOB_STORE,
    useFactory: (config: TicketingConfig, settings: DisputesSettings) => createBlobStore(settings.blobStore, config.dataDir),
    inject: [TICKETING_CONFIG, DISPUTES_SETTINGS],
  },
  bundleSignerProvider,
  DisputeAccess,
  DisputesService,
  RecoveriesService,
  DisputeBundleService,
  RecoveryEtaWatch,
  DisputesMetrics,
];

/**
 * Dispute evidence: liquidation disputes (`dispute-<ticketId>`) and wrong-network recoveries
 * (`recovery-<ticketId>`) over REST and gRPC, signed bundles, and the recovery ETA alert. Expects
 * EVENT_STORE, READ_STORE, PROJECTION_RUNNER, CLOCK and the config globally; uses WORKING_DAYS
 * where the SLA context is composed.
 */
@Module({
  controllers: [DisputesHttpController, RecoveriesHttpController, DisputesGrpcController],
  providers,
  exports: [DisputesService, RecoveriesService, DisputeBundleService],
})
export class DisputesModule {
  /** dispute-parties is read after writes elsewhere (a new ticket): the API waits for it. */
  static readonly projections = [disputePartiesProjection];
  static readonly eventualProjections = [disputeCasesProjection];
}
