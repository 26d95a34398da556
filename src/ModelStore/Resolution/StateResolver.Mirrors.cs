using ModelStore.Downloads;
using ModelStore.Stores;

namespace ModelStore.Resolution;

// Mirrors: other stores holding copies of a store's states, tried first when the hash is known.
public sealed partial class StateResolver
{
    /// <summary>
    /// Where a mirror holds a bundle's file: by content, <c>blobs/sha256/{sha256}</c> under its root (a Local store's
    /// <c>Folder</c>, an object store's base path), so bundles, revisions and stores that share a file share its copy.
    /// </summary>
    internal static string GetMirrorFilePath(string sha256) => $"blobs/sha256/{LockFileRules.Sha256(sha256)}";

    /// <summary>The mirrors of <paramref name="request"/>'s store as sources of one fetch, and which of them served it.</summary>
    private MirrorSources OpenMirrors(StateRequest request, IStateStore origin, List<ResolutionWarning> warnings) =>
        new(request, origin, request.Url is null ? Stores.GetMirrors(request.Store) : [], Stores.Open, warnings);

    /// <summary>The mirrors of a bundle's store as sources of its file with SHA-256 <paramref name="sha256"/>: each one's <see cref="GetMirrorFilePath"/>; a mirror that cannot name files by path is skipped.</summary>
    private MirrorSources OpenFileMirrors(StateRequest request, IStateStore origin, string? sha256, List<ResolutionWarning> warnings) =>
        new(request, origin, sha256 is null ? [] : Stores.GetMirrors(request.Store), name => Stores.Open(name) switch
        {
            IFileAddressableStore files => files.ForFile(GetMirrorFilePath(sha256!)),
            var other => throw new StateStoreException(StateStoreError.InvalidContent, $"{other.Description} cannot hold a bundle's files (it names no file by path); a bundle's mirror is a Local, S3 or AzureBlob store."),
        }, warnings);

    /// <summary>A fetch's mirrors, in order: what to pass to the cache, and the report of each one tried (a skipped one is a warning).</summary>
    private sealed class MirrorSources
    {
        private readonly StateRequest _request;
        private readonly IStateStore _origin;
        private readonly IReadOnlyList<string> _names;
        private readonly List<IStateStore?> _stores = [];
        private readonly List<ResolutionWarning> _warnings;

        public MirrorSources(StateRequest request, IStateStore origin, IReadOnlyList<string> names, Func<string, IStateStore> open, List<ResolutionWarning> warnings)
        {
            _request = request;
            _origin = origin;
            _names = names;
            _warnings = warnings;
            foreach (var name in names)
            {
                try
                {
                    _stores.Add(open(name));
                }
                catch (StateStoreException e)
                {
                    _stores.Add(null);
                    Skipped(name, e);
                }
            }
        }

        /// <summary>The mirrors that could be opened, in order.</summary>
        public IReadOnlyList<IStateStore> Stores => [.. _stores.OfType<IStateStore>()];

        /// <summary>The mirror that served the fetch, or <see langword="null"/> (the origin, or no fetch).</summary>
        public string? ServedBy { get; private set; }

        /// <summary>The cache's report of one source tried.</summary>
        public void OnSource(IStateStore source, StateStoreException? failure)
        {
            var name = ReferenceEquals(source, _origin) ? null : _names[_stores.IndexOf(source)];
            if (failure is null)
            {
                ServedBy = name;
            }
            else
            {
                Skipped(name, failure);
            }
        }

        private void Skipped(string? name, StateStoreException failure)
        {
            // Bundle files are fetched in parallel, each with its own sources, into one list of warnings.
            lock (_warnings)
            {
                _warnings.Add(new ResolutionWarning(ResolutionWarningKind.MirrorSkipped, $"mirror '{name}' skipped for {_request.Key} ({failure.Error}): {StateStoreSettings.Printable(UrlRedaction.RedactText(failure.Message))}"));
            }
        }
    }
}
