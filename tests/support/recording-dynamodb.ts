import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';

export interface RecordedCommand {
  name: string;
  input: Record<string, unknown>;
}

/**
 * A real document client on the local stack's DynamoDB Local that records every command it sends,
 * so a test can assert which operations a use case used (Query on an index, never Scan).
 */
export function recordingDocumentClient(): { db: DynamoDBDocumentClient; commands: RecordedCommand[] } {
  const commands: RecordedCommand[] = [];
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: inject('dynamoDbEndpoint'),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  db.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push({ name: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { db, commands };
}
