using System.Security.Cryptography;
using System.Text;
using ModelStore.HuggingFace.Http;
using ModelStore.IO;
using ModelStore.Stores;

namespace ModelStore.HuggingFace;

/// <summary>
/// huggingface_hub's cache folder, shared with Python (<c>hf download</c>, <c>snapshot_download</c>, transformers) and
/// the JavaScript <c>@huggingface/hub</c>: <c>{root}/models--{org}--{name}/</c> (<c>datasets--</c> for a dataset) holding
/// <c>blobs/{etag}</c> (a file's bytes, named by its LFS SHA-256 or its Git blob SHA-1), <c>snapshots/{commit}/{path}</c>
/// (relative symbolic links to the blobs) and <c>refs/{branch}</c> (the commit a branch or tag pointed to).
/// </summary>
/// <remarks>
/// Everything in the cache is untrusted: another program wrote it. A file is handed out only when its bytes hash to
/// the value asked for, and only when it lies inside its repository's folder once symbolic links are followed; a ref
/// is used only when it holds a commit id. Writes are atomic: blobs and refs are written to a temporary name then
/// renamed, links are made under a temporary name then renamed over, so a reader never sees half a file.
/// </remarks>
public sealed class HuggingFaceHubCache
{
    private const int MaxRefLength = 256;

    /// <summary>Uses the huggingface_hub cache at <paramref name="root"/> (it need not exist yet).</summary>
    /// <exception cref="ArgumentException"><paramref name="root"/> is empty.</exception>
    public HuggingFaceHubCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The cache folder (holding the <c>models--org--name</c> folders).</summary>
    public string Root { get; }

    /// <summary>
    /// Where huggingface_hub keeps its cache: <c>HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else
    /// <c>$XDG_CACHE_HOME/huggingface/hub</c>, else <c>~/.cache/huggingface/hub</c> (a leading <c>~</c> is the home folder).
    /// </summary>
    /// <param name="environment">Reads environment variables; the process environment when <see langword="null"/>.</param>
    public static string GetDefaultRoot(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string Expand(string path) => path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;
        string? Read(string name) => environment(name) is { } value && !string.IsNullOrWhiteSpace(value) ? Expand(value.Trim()) : null;
        return Path.GetFullPath(
            Read("HF_HUB_CACHE")
            ?? (Read("HF_HOME") is { } hfHome ? Path.Combine(hfHome, "hub") : null)
            ?? Path.Combine(Read("XDG_CACHE_HOME") ?? Path.Combine(home, ".cache"), "huggingface", "hub"));
    }

    /// <summary>The folder of one repository: <c>{root}/models--{org}--{name}</c> or <c>{root}/datasets--{org}--{name}</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="repository"/> is not a repository id.</exception>
    public string GetRepositoryFolder(string repository, HuggingFaceRepoType repoType = HuggingFaceRepoType.Model)
    {
        var id = HubNames.ValidateRepository(repository, nameof(repository));
        var kind = repoType == HuggingFaceRepoType.Dataset ? "datasets" : "models";
        return Path.Combine(Root, $"{kind}--{id.Replace("/", "--", StringComparison.Ordinal)}");
    }

    /// <summary>
    /// The commit <paramref name="revision"/> names in the cache: a full commit id as it is, else the commit in
    /// <c>refs/{revision}</c>, or <see langword="null"/> when there is no such ref or it does not hold a commit id.
    /// </summary>
    /// <exception cref="ArgumentException">The repository id or revision is invalid.</exception>
    public string? ResolveCommit(string repository, string revision, HuggingFaceRepoType repoType = HuggingFaceRepoType.Model)
    {
        var name = HubNames.ValidateRevision(revision, nameof(revision));
        if (HubNames.IsCommit(name))
        {
            return name;
        }

        var folder = GetRepositoryFolder(repository, repoType);
        var reference = Path.Combine(folder, "refs", name);
        try
        {
            if (!File.Exists(reference) || new FileInfo(reference).Length > MaxRefLength || !ConfinedPath.IsInside(reference, folder))
            {
                return null;
            }

            var commit = File.ReadAllText(reference).Trim();
            return HubNames.IsCommit(commit) ? commit : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The cached file at <paramref name="path"/> of <paramref name="repository"/> at <paramref name="revision"/> (a commit, or
    /// a branch or tag the cache has a ref for), only if its bytes have the SHA-256 <paramref name="sha256"/>; otherwise
    /// (not cached, other bytes, a link leading out of the repository's folder) <see langword="null"/>.
    /// </summary>
    /// <returns>The path of the file in the snapshot (read it, or copy it: never change it).</returns>
    /// <exception cref="ArgumentException">The repository id, revision, path or hash is invalid.</exception>
    public async Task<string?> FindAsync(string repository, string revision, string path, string sha256, HuggingFaceRepoType repoType = HuggingFaceRepoType.Model, CancellationToken cancellationToken = default)
    {
        HubNames.ValidatePath(path, nameof(path));
        if (sha256 is null || sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException("The expected SHA-256 must be 64 hexadecimal digits.", nameof(sha256));
        }

        var commit = ResolveCommit(repository, revision, repoType);
        if (commit is null)
        {
            return null;
        }

        var folder = GetRepositoryFolder(repository, repoType);
        var snapshot = Path.Combine(folder, "snapshots", commit, path);
        return await HasContentAsync(snapshot, folder, sha256.ToLowerInvariant(), gitBlob: false, cancellationToken).ConfigureAwait(false) ? snapshot : null;
    }

    /// <summary>
    /// The cached bytes of a file the Hub described (commit and content id): the snapshot's file, else the blob named by
    /// the content id, checked against that id (SHA-256 or Git blob SHA-1); <see langword="null"/> when neither matches.
    /// </summary>
    internal async Task<string?> FindAsync(string repository, HuggingFaceRepoType repoType, HubFileMetadata metadata, CancellationToken cancellationToken)
    {
        var (id, gitBlob) = metadata.Sha256 is { } sha256 ? (sha256, false) : metadata.GitBlobSha1 is { } sha1 ? (sha1, true) : (null, false);
        if (id is null || !HubNames.IsCommit(metadata.Commit))
        {
            return null; // No content hash to check the bytes with: nothing in the cache can be trusted.
        }

        var folder = GetRepositoryFolder(repository, repoType);
        foreach (var candidate in new[] { Path.Combine(folder, "snapshots", metadata.Commit, metadata.Path), Path.Combine(folder, "blobs", id) })
        {
            if (await HasContentAsync(candidate, folder, id, gitBlob, cancellationToken).ConfigureAwait(false))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Copies to <paramref name="target"/> (atomically) the cached file at <paramref name="path"/> of
    /// <paramref name="repository"/> at <paramref name="revision"/> whose bytes have the SHA-256 <paramref name="sha256"/>:
    /// the snapshot's file, else <c>blobs/{sha256}</c> (a large file's blob is named by its SHA-256, whatever the commit).
    /// The bytes are hashed as they are copied, so what is kept is exactly what was checked, in one pass.
    /// </summary>
    /// <returns>What was copied, or <see langword="null"/> (nothing left at <paramref name="target"/>) when no candidate has those bytes.</returns>
    internal async Task<FileDownload?> CopyMatchingAsync(string repository, string revision, string path, string sha256, string target, HuggingFaceRepoType repoType, CancellationToken cancellationToken)
    {
        var folder = GetRepositoryFolder(repository, repoType);
        var candidates = new List<string>(2);
        if (ResolveCommit(repository, revision, repoType) is { } commit)
        {
            candidates.Add(Path.Combine(folder, "snapshots", commit, HubNames.ValidatePath(path, nameof(path))));
        }

        candidates.Add(Path.Combine(folder, "blobs", sha256));
        foreach (var candidate in candidates)
        {
            try
            {
                if (!File.Exists(candidate) || !ConfinedPath.IsInside(candidate, folder))
                {
                    continue;
                }

                var (size, actual) = await CopyAsync(candidate, target, cancellationToken).ConfigureAwait(false);
                if (string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
                {
                    return new FileDownload(size, 0, actual);
                }

                AtomicFile.Discard(target);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                AtomicFile.Discard(target);
            }
        }

        return null;
    }

    /// <summary>
    /// Writes a downloaded file into the cache as huggingface_hub does: the bytes to <c>blobs/{etag}</c> (unless already
    /// there), a relative link <c>snapshots/{commit}/{path}</c> → <c>../../blobs/{etag}</c> (deeper paths climb further;
    /// unless the snapshot already has those bytes), and, when <paramref name="reference"/> is a branch or tag,
    /// <c>refs/{reference}</c> holding the commit (<see cref="WriteRefAsync"/>).
    /// </summary>
    /// <param name="repository"><c>org/name</c>.</param>
    /// <param name="commit">The full commit id the file was read at.</param>
    /// <param name="path">The file's path in the repository.</param>
    /// <param name="etag">The file's content id: the LFS SHA-256 of a large file, the Git blob SHA-1 of a small one.</param>
    /// <param name="file">The verified downloaded file (copied, not moved).</param>
    /// <param name="reference">The branch or tag the commit was resolved from, or <see langword="null"/> (or the commit itself).</param>
    /// <param name="repoType">Model or dataset.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    /// <returns>The path of the file in the snapshot.</returns>
    /// <exception cref="ArgumentException">An argument is not a valid id, path, commit or content id.</exception>
    public async Task<string> WriteAsync(string repository, string commit, string path, string etag, string file, string? reference = null, HuggingFaceRepoType repoType = HuggingFaceRepoType.Model, CancellationToken cancellationToken = default)
    {
        HubNames.ValidatePath(path, nameof(path));
        ArgumentException.ThrowIfNullOrEmpty(file);
        if (!HubNames.IsCommit(commit ?? ""))
        {
            throw new ArgumentException("The commit must be a full 40-digit commit id.", nameof(commit));
        }

        if (etag is null || etag.Length is not (40 or 64) || !etag.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw new ArgumentException("The content id must be a lowercase SHA-256 (64 digits) or Git blob SHA-1 (40 digits).", nameof(etag));
        }

        var folder = GetRepositoryFolder(repository, repoType);
        var pointer = Path.Combine(folder, "snapshots", commit!, path);
        if (!await HasContentAsync(pointer, folder, etag, gitBlob: etag.Length == 40, cancellationToken).ConfigureAwait(false))
        {
            var blob = Path.Combine(folder, "blobs", etag);
            if (!await HasContentAsync(blob, folder, etag, gitBlob: etag.Length == 40, cancellationToken).ConfigureAwait(false))
            {
                await CopyAsync(file, blob, cancellationToken).ConfigureAwait(false);
            }

            var pointerFolder = Path.GetDirectoryName(pointer)!;
            Directory.CreateDirectory(pointerFolder);
            var link = Path.Combine(pointerFolder, $".{Path.GetFileName(pointer)}.{Guid.NewGuid():N}{AtomicFile.PartialSuffix}");
            File.CreateSymbolicLink(link, Path.GetRelativePath(pointerFolder, blob));
            File.Move(link, pointer, overwrite: true);
        }

        if (reference is not null && !HubNames.IsCommit(HubNames.ValidateRevision(reference, nameof(reference))))
        {
            await WriteRefAsync(repository, reference, commit!, repoType, cancellationToken).ConfigureAwait(false);
        }

        return pointer;
    }

    /// <summary>
    /// Records that the branch or tag <paramref name="reference"/> points to <paramref name="commit"/>, as huggingface_hub
    /// does (<c>_cache_commit_hash_for_specific_revision</c>): <c>refs/{reference}</c> holds the commit id with no line
    /// break (the revision <c>refs/pr/1</c> is the file <c>refs/refs/pr/1</c>), written atomically and only when it holds something else,
    /// so a cache that is up to date is not written at all.
    /// </summary>
    /// <remarks>
    /// Write only what the Hub said just now about where the branch is; a commit recorded earlier (a lock file's) says
    /// nothing about where the branch is today, and moving the ref back to it would mislead every other tool.
    /// </remarks>
    /// <returns>Whether the ref was written (<see langword="false"/>: it already held the commit).</returns>
    /// <exception cref="ArgumentException">The repository id or commit is invalid, or <paramref name="reference"/> is not a branch or tag name (a commit id, a name with a '..', '.' or empty part, a leading '/', a backslash, a space or a control character).</exception>
    /// <exception cref="IOException">The ref's folder leads, through a symbolic link, out of the repository's <c>refs/</c> folder (nothing is written), or the write failed.</exception>
    public async Task<bool> WriteRefAsync(string repository, string reference, string commit, HuggingFaceRepoType repoType = HuggingFaceRepoType.Model, CancellationToken cancellationToken = default)
    {
        var name = HubNames.ValidateRevision(reference, nameof(reference));
        if (HubNames.IsCommit(name) || !string.Equals(name, reference, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{reference}' is not a branch or tag name.", nameof(reference));
        }

        if (!HubNames.IsCommit(commit ?? ""))
        {
            throw new ArgumentException("The commit must be a full 40-digit commit id.", nameof(commit));
        }

        var folder = GetRepositoryFolder(repository, repoType);
        var refs = Path.Combine(folder, "refs");
        var refFile = Path.Combine(refs, name);
        if (!ConfinedPath.IsInside(refFile, refs))
        {
            throw new IOException($"refs/{name} in huggingface_hub's cache leads out of {refs} through a symbolic link; it is left as it is.");
        }

        if (ResolveCommit(repository, name, repoType) == commit && new FileInfo(refFile).Length == commit!.Length)
        {
            return false; // Up to date, byte for byte: huggingface_hub's own check, so a read-only cache that is current is no error.
        }

        // The temporary file is made beside refs/, not in it: every name in refs/ is a ref to the cache scanners
        // (huggingface_hub's and @huggingface/hub's scan_cache_dir), and one left by a crash would break their scan.
        var temporary = AtomicFile.CreateTemporary(Path.Combine(folder, "refs"), out var temporaryPath);
        try
        {
            await temporary.WriteAsync(Encoding.ASCII.GetBytes(commit!), cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(Path.GetDirectoryName(refFile)!);
            await AtomicFile.CommitAsync(temporary, temporaryPath, refFile, overwrite: true).ConfigureAwait(false);
            return true;
        }
        catch
        {
            await temporary.DisposeAsync().ConfigureAwait(false);
            AtomicFile.Discard(temporaryPath);
            throw;
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> atomically (a temporary file beside it, renamed
    /// over it once complete), hashing the bytes on the way: no reader ever sees half a file.
    /// </summary>
    /// <returns>The size and SHA-256 of what was copied.</returns>
    internal static async Task<(long Size, string Sha256)> CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (input.ConfigureAwait(false))
        {
            var temporary = AtomicFile.CreateTemporary(destination, out var temporaryPath);
            try
            {
                using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 20];
                long size = 0;
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha256.AppendData(buffer, 0, read);
                    await temporary.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    size += read;
                }

                await AtomicFile.CommitAsync(temporary, temporaryPath, destination, overwrite: true).ConfigureAwait(false);
                return (size, Convert.ToHexStringLower(sha256.GetHashAndReset()));
            }
            catch
            {
                await temporary.DisposeAsync().ConfigureAwait(false);
                AtomicFile.Discard(temporaryPath);
                throw;
            }
        }
    }

    /// <summary>Whether <paramref name="path"/> is a regular file inside <paramref name="folder"/> (links followed) whose bytes hash to <paramref name="id"/>.</summary>
    private static async Task<bool> HasContentAsync(string path, string folder, string id, bool gitBlob, CancellationToken cancellationToken)
    {
        try
        {
            if (!File.Exists(path) || !ConfinedPath.IsInside(path, folder))
            {
                return false;
            }

            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                using var hash = gitBlob ? HubContentCheck.StartGitBlobHash(stream.Length) : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

                var buffer = new byte[1 << 16];
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                }

                return string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), id, StringComparison.OrdinalIgnoreCase);
            }
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
