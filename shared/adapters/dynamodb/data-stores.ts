import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ErasureStore } from './erasure-store.ts';
import { ImportPaceStore } from './import-pace-store.ts';
import { JobStore } from './job-store.ts';
import { ProfileStore } from './profile-store.ts';
import { SweepStore } from './sweep-store.ts';
import { createStores, type Stores } from './stores.ts';
import type { SecretBox } from '../../security/secret-box.ts';

/** The data-control adapters (profiles, erasure, jobs, sweep) next to the core ones, over one client. */
export interface DataStores extends Stores {
  db: DynamoDBDocumentClient;
  tableName: string;
  profileStore: ProfileStore;
  erasureStore: ErasureStore;
  jobStore: JobStore;
  sweepStore: SweepStore;
  importPaceStore: ImportPaceStore;
}

export function createDataStores(db: DynamoDBDocumentClient, tableName: string, secrets: SecretBox): DataStores {
  return {
    ...createStores(db, tableName, secrets),
    db,
    tableName,
    profileStore: new ProfileStore(db, tableName),
    erasureStore: new ErasureStore(db, tableName, secrets),
    jobStore: new JobStore(db, tableName),
    sweepStore: new SweepStore(db, tableName),
    importPaceStore: new ImportPaceStore(db, tableName),
  };
}
