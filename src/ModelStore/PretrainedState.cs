using System.Collections.Concurrent;
using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore;

/// <summary>
/// A state resolved at build time by <c>ModelStore.Build</c>: its key, the store it came from, its SHA-256
/// and size, and where its bytes are at run time. The generated <c>ModelStates</c> class exposes one per
/// <c>ModelState</c> item.
/// </summary>
/// <remarks>
/// The bytes are looked up first in the application's output folder (when the build copied them there,
/// <see cref="OutputRelativePath"/>), then in the machine-wide cache (<see cref="StateCache.Default"/>).
/// <see cref="OpenRead()"/> checks size and SHA-256 the first time a file is opened in a process; later opens of
/// the same file by any instance with the same hash only re-check the size.
/// </remarks>
public sealed partial class PretrainedState
{
    // (resolved path, sha256) pairs already hashed in this process, and one gate per pair so that concurrent
    // first opens hash the file once while opens of other states proceed in parallel.
    private static readonly ConcurrentDictionary<(string Path, string Sha256), bool> Verified = new();
    private static readonly ConcurrentDictionary<(string Path, string Sha256), object> Gates = new();

    /// <summary>Describes a resolved state.</summary>
    /// <param name="key">The canonical state key, <c>backend/architecture[.extra...].trainingId</c>.</param>
    /// <param name="store">The name of the <c>ModelStore</c> item the state was resolved from.</param>
    /// <param name="sha256">The SHA-256 of the bytes, 64 hexadecimal digits (stored lower-case).</param>
    /// <param name="size">The size of the bytes.</param>
    /// <param name="outputRelativePath">Where the build copied the bytes, relative to the output folder, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The key, store, hash, size or path is invalid.</exception>
    public PretrainedState(string key, string store, string sha256, long size, string? outputRelativePath)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(store);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (!StateKey.TryParse(key, out var parsed, out var error))
        {
            throw new ArgumentException(error, nameof(key));
        }

        if (outputRelativePath is not null && (outputRelativePath.Length == 0 || Path.IsPathRooted(outputRelativePath)))
        {
            throw new ArgumentException($"\"{outputRelativePath}\" is not a path relative to the output folder.", nameof(outputRelativePath));
        }

        Key = parsed;
        Store = store;
        Sha256 = StateCache.NormalizeSha256(sha256);
        Size = size;
        OutputRelativePath = outputRelativePath;
    }

    /// <summary>The state's key.</summary>
    public StateKey Key { get; }

    /// <summary>The name of the <c>ModelStore</c> item the state was resolved from.</summary>
    public string Store { get; }

    /// <summary>The SHA-256 of the bytes, lower-case hexadecimal.</summary>
    public string Sha256 { get; }

    /// <summary>The size of the bytes.</summary>
    public long Size { get; }

    /// <summary>Where the build copied the bytes relative to the output folder (for example <c>modelstates/pytorch.tiny-mlp.digits.v1.pt</c>), or <see langword="null"/>.</summary>
    public string? OutputRelativePath { get; }

    /// <summary>
    /// Where the state dict is inside the file (the <c>ModelState</c> item's <c>StateDictPath</c> metadata, for example
    /// <c>model</c> for a training checkpoint), or <see langword="null"/> to let the loader find it.
    /// </summary>
    public string? StateDictPath { get; init; }

    /// <summary>
    /// Returns the path of the bytes: the copy in the output folder if it exists, else the blob in the
    /// machine-wide cache. Does not verify the bytes; <see cref="OpenRead()"/> does.
    /// </summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.NotFound"/> when neither exists; the message names both places.</exception>
    /// <remarks>For a bundle, the folder of its files (<see cref="Directory"/>).</remarks>
    public string ResolvePath()
    {
        if (Files is not null)
        {
            return Directory;
        }

        var outputPath = OutputRelativePath is null ? null : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, OutputRelativePath));
        if (outputPath is not null && File.Exists(outputPath))
        {
            return outputPath;
        }

        var cache = StateCache.Default;
        var cachePath = cache.GetBlobPath(Sha256);
        if (File.Exists(cachePath))
        {
            return cachePath;
        }

        var outputPlace = outputPath is null
            ? "the output folder (not copied there: set CopyToOutputDirectory on the ModelState item to ship it with the app)"
            : $"the output folder ({outputPath})";
        // Say where the root came from: a build that used the ModelStoreHome property fetched into that folder, which the
        // app only finds when the variable points there too.
        var root = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(StateCache.HomeVariable))
            ? $"the default root {cache.Root}, as ${StateCache.HomeVariable} is not set; a build with the ModelStoreHome property fetched into that folder instead, which ${StateCache.HomeVariable} must then name"
            : $"root {cache.Root}, set by ${StateCache.HomeVariable}";
        throw new StateStoreException(
            StateStoreError.NotFound,
            $"State {Key} (sha256 {Sha256}) was found neither in {outputPlace} nor in the machine-wide cache ({cachePath}; {root}). " +
            "Build the project on this machine to fetch it, or copy it to the output folder.",
            Key);
    }

    /// <summary>
    /// Opens the state's bytes for reading (<see cref="ResolvePath"/>), after checking their size and, the first
    /// time in this process, their SHA-256.
    /// </summary>
    /// <exception cref="StateStoreException">
    /// <see cref="StateStoreError.NotFound"/> when the bytes are nowhere; <see cref="StateStoreError.IntegrityMismatch"/>
    /// when their size or hash differs from the expected one (the message names the file, expected and actual values).
    /// </exception>
    /// <exception cref="InvalidOperationException">The state is a bundle: open one of its files with <see cref="OpenRead(string)"/>.</exception>
    public Stream OpenRead() => Files is null
        ? OpenVerified(ResolvePath(), Sha256, Size)
        : throw new InvalidOperationException($"State {Key} is a bundle of {Files.Count} files: open one with OpenRead(path), for example OpenRead(\"{Files[0].Path}\").");

    private Stream OpenVerified(string path, string sha256, long size)
    {
        var verification = (path, sha256);
        if (!Verified.ContainsKey(verification))
        {
            lock (Gates.GetOrAdd(verification, static _ => new object()))
            {
                if (!Verified.ContainsKey(verification))
                {
                    Verify(path, sha256, size);
                    Verified[verification] = true;
                }
            }
        }

        var stream = Open(path);
        if (stream.Length != size)
        {
            var actual = stream.Length;
            stream.Dispose();
            Verified.TryRemove(verification, out _);
            throw SizeMismatch(path, size, actual);
        }

        return stream;
    }

    /// <summary>The state's key, <c>backend/architecture[.extra...].trainingId</c>.</summary>
    public override string ToString() => Key.ToString();

    private void Verify(string path, string sha256, long size)
    {
        using var stream = Open(path);
        if (stream.Length != size)
        {
            throw SizeMismatch(path, size, stream.Length);
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (!string.Equals(actual, sha256, StringComparison.Ordinal))
        {
            throw new StateStoreException(
                StateStoreError.IntegrityMismatch,
                $"State {Key} at {path} is corrupt: expected sha256 {sha256}, actual {actual}. Delete the file and build again to fetch it anew.",
                Key);
        }
    }

    private FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 81920);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StateStoreException(StateStoreError.NotFound, $"State {Key} disappeared from {path} while being opened.", Key, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StateStoreException(StateStoreError.AccessDenied, $"State {Key} at {path} cannot be read: {e.Message}", Key, e);
        }
    }

    private StateStoreException SizeMismatch(string path, long expected, long actual) => new(
        StateStoreError.IntegrityMismatch,
        $"State {Key} at {path} is corrupt: expected size {expected} bytes, actual {actual}. Delete the file and build again to fetch it anew.",
        Key);
}
