using System.Globalization;
using System.Text;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

/// <summary>
/// The files the task leaves in <c>obj/…/modelstates/</c> for the rest of the build (docs/accessors.md, "Wiring"):
/// one descriptor file, <see cref="FileName"/>, with a <c>[state]</c> section per resolved state, read by the source
/// generator through AdditionalFiles, and for the states copied to the output folder one list,
/// <see cref="CopyListName"/>, with a <c>{blob}|{target}</c> line per file to copy. The targets read both back on builds
/// where the resolution is skipped, so they are the whole hand-over. One file each, not one per state: a no-op build
/// with 1 000 states hands the compiler one input and reads one copy list in one task, not 1 000 (docs/build.md).
/// </summary>
internal static class StateDescriptor
{
    /// <summary>The descriptor file: every resolved state of the project.</summary>
    public const string FileName = "states.modelstates";

    /// <summary>Its first line (the generator reads version 1 only).</summary>
    public const string Header = "# modelstates v1";

    /// <summary>The line that starts each state's section.</summary>
    public const string Section = "[state]";

    public const string OutputFolder = "modelstates";

    /// <summary>The copy list: one <c>{blob}|{target}</c> line per file, target relative to the output folder.</summary>
    public const string CopyListName = "output.copy";

    // What earlier versions wrote per state (a .modelstate descriptor, a .copy file holding the blob path, a bundle's
    // .tree list): a build deletes them. .copy and .tree only in a real build, which writes the copy list.
    private const string StateDescriptorExtension = ".modelstate";
    private static readonly string[] CopyExtensions = [".copy", ".tree"];

    /// <summary><c>{backend}.{architecture}[.{extra}...].{trainingId}</c>: the state's file name without <c>.pt</c>.</summary>
    public static string Stem(StateKey key) => LocalStateStore.GetFileName(key)[..^LocalStateStore.Extension.Length];

    /// <summary>Where a copied state lands, relative to the output folder (always '/' separated); a bundle is a folder named after the key.</summary>
    public static string OutputRelativePath(StateKey key, bool bundle = false) => bundle ? $"{OutputFolder}/{Stem(key)}" : $"{OutputFolder}/{LocalStateStore.GetFileName(key)}";

    /// <summary>The descriptor file's text: the header, then per state a <c>[state]</c> line and one <c>name=value</c> per line.</summary>
    public static string Format(IEnumerable<ResolvedState> states)
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var state in states)
        {
            text.Append(Section).Append('\n');
            Field(text, "key", state.Key.ToString());
            Field(text, "store", state.Store);
            Field(text, "sha256", state.Sha256);
            Field(text, "size", state.Size.ToString(CultureInfo.InvariantCulture));
            if (!string.IsNullOrWhiteSpace(state.AccessorName))
            {
                Field(text, "accessor", state.AccessorName.Trim());
            }

            if (state.OutputRelativePath is not null)
            {
                Field(text, "output", state.OutputRelativePath);
            }

            if (state.StateDictPath is not null)
            {
                Field(text, "statedict", state.StateDictPath);
            }

            if (state.Files is { } files)
            {
                Field(text, "files", string.Join("\t", files.Select(file => $"{file.Sha256}:{file.Size.ToString(CultureInfo.InvariantCulture)}:{file.Path}")));
            }

            Field(text, "item", state.ItemSpec);
        }

        return text.ToString();
    }

    // One line per field whatever the project wrote: a line break in an item's metadata (&#10;) could otherwise start
    // a section of its own. Bundle paths have no control character (BundleFile), so only the tabs between files remain.
    private static void Field(StringBuilder text, string name, string value)
    {
        text.Append(name).Append('=');
        foreach (var c in value)
        {
            text.Append(char.IsControl(c) && !(c == '\t' && name == "files") ? '\uFFFD' : c);
        }

        text.Append('\n');
    }

    /// <summary>
    /// Writes the descriptor file (and the copy list) of <paramref name="states"/> into <paramref name="folder"/>, each
    /// only when its content changes, and deletes what earlier versions wrote per state. Returns the descriptor file's path.
    /// Without <paramref name="writeCopyFiles"/> (design-time builds, which may know a state's hash but not have its
    /// bytes) the copy list is left as the last real build wrote it.
    /// </summary>
    public static async Task<string> WriteAllAsync(string folder, IReadOnlyList<ResolvedState> states, bool writeCopyFiles, Caching.StateCache cache, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var descriptor = Path.Combine(folder, FileName);
        await WriteIfChangedAsync(descriptor, Format(states), cancellationToken).ConfigureAwait(false);
        var copies = new StringBuilder();
        foreach (var state in states)
        {
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

        var copyList = Path.Combine(folder, CopyListName);
        if (writeCopyFiles && copies.Length > 0)
        {
            await WriteIfChangedAsync(copyList, copies.ToString(), cancellationToken).ConfigureAwait(false);
        }

        foreach (var file in Directory.GetFiles(folder))
        {
            // Only files this task writes, and never through a link: the folder is the build's, not the clone's.
            var stale = file.EndsWith(StateDescriptorExtension, StringComparison.Ordinal)
                || (writeCopyFiles && (file == copyList ? copies.Length == 0 : CopyExtensions.Any(extension => file.EndsWith(extension, StringComparison.Ordinal))));
            if (stale && new FileInfo(file).LinkTarget is null)
            {
                File.Delete(file);
            }
        }

        return descriptor;
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
