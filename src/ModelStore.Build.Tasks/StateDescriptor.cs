using System.Globalization;
using System.Text;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

/// <summary>
/// The files the task leaves in <c>obj/…/modelstates/</c> for the rest of the build (CONTRACT-build.md):
/// <c>{stem}.modelstate</c>, read by the source generator through AdditionalFiles, and for the states copied to the
/// output folder one list, <see cref="CopyListName"/>, with a <c>{blob}|{target}</c> line per file to copy. The
/// targets read both back on builds where the resolution is skipped, so they are the whole hand-over. One list, not a
/// file per state: a no-op build with 1 000 states reads one file in one task, not 1 000 (docs/build.md).
/// </summary>
internal static class StateDescriptor
{
    public const string Extension = ".modelstate";
    public const string OutputFolder = "modelstates";

    /// <summary>The copy list: one <c>{blob}|{target}</c> line per file, target relative to the output folder.</summary>
    public const string CopyListName = "output.copy";

    // The copy list, and what earlier versions wrote per state instead (a .copy file holding the blob path, a bundle's
    // .tree list): a real build deletes those it did not write.
    private static readonly string[] CopyExtensions = [".copy", ".tree"];

    /// <summary><c>{backend}.{architecture}[.{extra}...].{trainingId}</c>: the state's file name without <c>.pt</c>.</summary>
    public static string Stem(StateKey key) => LocalStateStore.GetFileName(key)[..^LocalStateStore.Extension.Length];

    /// <summary>Where a copied state lands, relative to the output folder (always '/' separated); a bundle is a folder named after the key.</summary>
    public static string OutputRelativePath(StateKey key, bool bundle = false) => bundle ? $"{OutputFolder}/{Stem(key)}" : $"{OutputFolder}/{LocalStateStore.GetFileName(key)}";

    /// <summary>The descriptor's text (first line fixed, one <c>name=value</c> per line).</summary>
    public static string Format(ResolvedState state)
    {
        var text = new StringBuilder();
        text.Append("# modelstate v1\n");
        text.Append("key=").Append(state.Key).Append('\n');
        text.Append("store=").Append(state.Store).Append('\n');
        text.Append("sha256=").Append(state.Sha256).Append('\n');
        text.Append("size=").Append(state.Size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (!string.IsNullOrWhiteSpace(state.AccessorName))
        {
            text.Append("accessor=").Append(state.AccessorName.Trim()).Append('\n');
        }

        if (state.OutputRelativePath is not null)
        {
            text.Append("output=").Append(state.OutputRelativePath).Append('\n');
        }

        if (state.StateDictPath is not null)
        {
            text.Append("statedict=").Append(state.StateDictPath).Append('\n');
        }

        if (state.Files is { } files)
        {
            text.Append("files=").Append(string.Join("\t", files.Select(file => $"{file.Sha256}:{file.Size.ToString(CultureInfo.InvariantCulture)}:{file.Path}"))).Append('\n');
        }

        text.Append("item=").Append(state.ItemSpec).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// Writes the descriptors (and the copy list) of <paramref name="states"/> into <paramref name="folder"/>, each only
    /// when its content changes, and deletes those of states no longer declared. Returns the descriptor paths by key.
    /// Without <paramref name="writeCopyFiles"/> (design-time builds, which may know a state's hash but not have its
    /// bytes) the copy list is left as the last real build wrote it.
    /// </summary>
    public static async Task<IReadOnlyDictionary<StateKey, string>> WriteAllAsync(string folder, IReadOnlyList<ResolvedState> states, bool writeCopyFiles, Caching.StateCache cache, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var written = new Dictionary<StateKey, string>();
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var copies = new StringBuilder();
        foreach (var state in states)
        {
            var descriptor = Path.Combine(folder, Stem(state.Key) + Extension);
            await WriteIfChangedAsync(descriptor, Format(state), cancellationToken).ConfigureAwait(false);
            keep.Add(descriptor);
            written[state.Key] = descriptor;
            if (state.OutputRelativePath is null)
            {
                continue;
            }

            if (state.Files is { } files)
            {
                // A bundle: each file's blob (the folder's links lead there) and where it lands.
                foreach (var file in files)
                {
                    copies.Append(cache.GetBlobPath(file.Sha256)).Append('|').Append(state.OutputRelativePath).Append('/').Append(file.Path).Append('\n');
                }
            }
            else
            {
                copies.Append(state.ResolvedPath).Append('|').Append(state.OutputRelativePath).Append('\n');
            }
        }

        if (writeCopyFiles && copies.Length > 0)
        {
            var copyList = Path.Combine(folder, CopyListName);
            await WriteIfChangedAsync(copyList, copies.ToString(), cancellationToken).ConfigureAwait(false);
            keep.Add(copyList);
        }

        foreach (var file in Directory.GetFiles(folder))
        {
            // Only the descriptors this task writes, and never through a link: the folder is the build's, not the clone's.
            if ((file.EndsWith(Extension, StringComparison.Ordinal) || (writeCopyFiles && CopyExtensions.Any(extension => file.EndsWith(extension, StringComparison.Ordinal))))
                && !keep.Contains(file) && new FileInfo(file).LinkTarget is null)
            {
                File.Delete(file);
            }
        }

        return written;
    }

    private static async Task WriteIfChangedAsync(string path, string text, CancellationToken cancellationToken)
    {
        var content = Encoding.UTF8.GetBytes(text);
        var existing = new FileInfo(path);
        if (existing.Exists && existing.LinkTarget is null && (await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)).AsSpan().SequenceEqual(content))
        {
            return;
        }

        // Written beside and renamed over: a link planted under the name is replaced, never followed.
        await AtomicFile.WriteAllBytesAsync(path, content, cancellationToken).ConfigureAwait(false);
    }
}
