import { useState } from 'preact/hooks';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (or no secure context): the text is selectable next to the button.
    return false;
  }
}

/** Copies text and says so; when the browser refuses, says how to copy by hand. */
export function CopyButton({ text, label, fieldId }: { text: string; label: string; fieldId?: string }) {
  const [result, setResult] = useState<'copied' | 'refused' | undefined>();
  return (
    <span class="copy">
      <button
        type="button"
        onClick={async () => {
          const copied = await copyText(text);
          if (!copied && fieldId) (document.getElementById(fieldId) as HTMLTextAreaElement | null)?.select();
          setResult(copied ? 'copied' : 'refused');
        }}
      >
        {label}
      </button>
      <span role="status" class="copy-result">
        {result === 'copied' ? 'Copied to the clipboard.' : result === 'refused' ? 'The browser did not allow copying: the text is selected, press Ctrl+C (⌘C).' : ''}
      </span>
    </span>
  );
}
