import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AccountStore } from './account-store.ts';
import { ConsentStore } from './consent-store.ts';
import { LineRouter } from './line-router.ts';
import { RuleStore } from './rule-store.ts';
import { UnsubscribeKeyStore } from './unsubscribe-key-store.ts';
import { StatsStore } from './stats-store.ts';
import type { SecretBox } from '../../security/secret-box.ts';

export interface Stores {
  accountStore: AccountStore;
  /** Routing and reads only: registering and deleting lines is the admin API's (LineStore). */
  lineStore: LineRouter;
  ruleStore: RuleStore;
  consentStore: ConsentStore;
  unsubscribeKeyStore: UnsubscribeKeyStore;
  statsStore: StatsStore;
}

/**
 * All table adapters over one client; built once per container at a handler's module scope. The
 * SecretBox seals and opens line credentials and per-account keys.
 */
export function createStores(db: DynamoDBDocumentClient, tableName: string, secrets: SecretBox): Stores {
  return {
    accountStore: new AccountStore(db, tableName),
    lineStore: new LineRouter(db, tableName, secrets),
    ruleStore: new RuleStore(db, tableName),
    consentStore: new ConsentStore(db, tableName, secrets),
    unsubscribeKeyStore: new UnsubscribeKeyStore(db, tableName, secrets),
    statsStore: new StatsStore(db, tableName),
  };
}
