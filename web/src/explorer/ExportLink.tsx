/** A download from the API (it names the file): a link drawn as a small button.
 * The address is made when clicked, so a preset range ("last 24 h") ends now, not when the page was drawn. */
export function ExportLink({ address, children }: { address: () => string; children: string }) {
  return (
    <a
      href={address()}
      download
      onClick={(event) => {
        event.currentTarget.href = address();
      }}
      className="inline-flex h-7 items-center rounded-md border border-zinc-200 bg-white px-2.5 text-xs font-medium whitespace-nowrap text-zinc-800 shadow-sm hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800"
    >
      {children}
    </a>
  );
}
