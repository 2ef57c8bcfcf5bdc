import { CHANNEL_LIST, CHANNEL_NAMES, type Channel } from '../api/types.ts';

/** The channels as a select's options, named as everywhere in the console. */
export function ChannelOptions({ channels = CHANNEL_LIST }: { channels?: readonly Channel[] }) {
  return (
    <>
      {channels.map((channel) => (
        <option key={channel} value={channel}>
          {CHANNEL_NAMES[channel]}
        </option>
      ))}
    </>
  );
}
