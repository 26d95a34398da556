using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.Stores;

namespace ModelStore;

// A bundle state: a folder of files (ModelState Files metadata), each with its own hash.
public sealed partial class PretrainedState
{
    /// <summary>
    /// For a bundle state (<c>Files</c> metadata): every file, sorted by path, each with its SHA-256 and size
    /// (<see cref="Sha256"/> is then the SHA-256 of their manifest, <see cref="BundleFile.ManifestSha256"/>); else
    /// <see langword="null"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The files are empty, list a path twice, or are not those <see cref="Sha256"/> names.</exception>
    public IReadOnlyList<BundleFile>? Files
    {
        get;
        init => field = value is null ? null
            : BundleFile.ManifestSha256(value) == Sha256 ? [.. value.OrderBy(file => file.Path, StringComparer.Ordinal)]
            : throw new ArgumentException($"The files of {Key} are not those its SHA-256 {Sha256} names (the SHA-256 of their manifest).", nameof(value));
    }

    /// <summary>
    /// The folder of a bundle's files: the copy in the output folder when the build made one (<see cref="OutputRelativePath"/>),
    /// else the bundle's folder in the machine-wide cache. Files are verified when opened (<see cref="OpenRead(string)"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The state is one file, not a bundle.</exception>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.NotFound"/> when neither folder exists.</exception>
    public string Directory
    {
        get
        {
            RequireBundle();
            var output = OutputRelativePath is null ? null : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, OutputRelativePath));
            if (output is not null && System.IO.Directory.Exists(output))
            {
                return output;
            }

            var cached = StateCache.Default.GetBundlePath(Sha256);
            return System.IO.Directory.Exists(cached)
                ? cached
                : throw new StateStoreException(StateStoreError.NotFound, $"Bundle {Key} was found neither in the output folder{(output is null ? " (not copied there: set CopyToOutputDirectory on the ModelState item)" : $" ({output})")} nor in the machine-wide cache ({cached}). Build the project on this machine to fetch it.", Key);
        }
    }

    /// <summary>The path of the bundle's file <paramref name="path"/> (as listed in <see cref="Files"/>) inside <see cref="Directory"/>; not verified.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not one of the bundle's files (the message lists some).</exception>
    /// <exception cref="InvalidOperationException">The state is one file, not a bundle.</exception>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.NotFound"/> when the bundle or the file is missing.</exception>
    public string GetFilePath(string path)
    {
        var file = Find(path);
        var full = Path.Combine(Directory, file.Path.Replace('/', Path.DirectorySeparatorChar));
        return File.Exists(full)
            ? full
            : throw new StateStoreException(StateStoreError.NotFound, $"The file {file.Path} of bundle {Key} is missing from {Directory}. Build the project again to restore it.", Key);
    }

    /// <summary>Opens the bundle's file <paramref name="path"/> after checking its size and, the first time in this process, its SHA-256.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not one of the bundle's files.</exception>
    /// <exception cref="InvalidOperationException">The state is one file, not a bundle.</exception>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.NotFound"/> when the file is missing; <see cref="StateStoreError.IntegrityMismatch"/> when its bytes differ.</exception>
    public Stream OpenRead(string path)
    {
        var file = Find(path);
        return OpenVerified(GetFilePath(file.Path), file.Sha256, file.Size);
    }

    private BundleFile Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        RequireBundle();
        return Files!.FirstOrDefault(file => string.Equals(file.Path, path.Replace('\\', '/'), StringComparison.Ordinal))
            ?? throw new ArgumentException($"Bundle {Key} has no file '{StateStoreSettings.Printable(path)}'; it has {string.Join(", ", Files!.Take(10).Select(file => file.Path))}{(Files!.Count > 10 ? ", ..." : "")}.", nameof(path));
    }

    private void RequireBundle()
    {
        if (Files is null)
        {
            throw new InvalidOperationException($"State {Key} is one file, not a bundle: use OpenRead() and ResolvePath().");
        }
    }
}
