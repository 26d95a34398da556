using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelStore.Testing;

namespace ModelStore.HuggingFace.Testing;

/// <summary>One request the fake Hub answered, as the tests inspect it.</summary>
public sealed record HubRequest(string Method, string PathAndQuery, string? Authorization, string? Range, int Status);

/// <summary>
/// A local server speaking the part of the Hugging Face Hub that downloads use, as huggingface_hub expects it
/// (<c>file_download.py</c>, <c>hf_api.py</c>, <c>utils/_http.py</c>): <c>HEAD</c>/<c>GET</c>
/// <c>/{repo}/resolve/{revision}/{path}</c> with <c>X-Repo-Commit</c>, <c>ETag</c> (the Git blob id), and for large (LFS)
/// files a <c>302</c> to a storage host on another port with <c>X-Linked-Etag</c> (the SHA-256) and <c>X-Linked-Size</c>;
/// <c>/api/{models|datasets}/{repo}/tree/{revision}/{path}</c> with <c>Link</c>/<c>cursor</c> pagination;
/// <c>/api/.../revision/{revision}</c> and <c>/api/.../refs</c>; the error headers <c>X-Error-Code</c>
/// (<c>RepoNotFound</c>, <c>RevisionNotFound</c>, <c>EntryNotFound</c>, <c>GatedRepo</c>) and <c>X-Error-Message</c> with
/// the Hub's status codes (401 for anything hidden from an anonymous caller); 429 with <c>RateLimit</c> headers.
/// Repositories are Git-like: each commit is an immutable snapshot, branches move, tags stay.
/// </summary>
public sealed partial class FakeHuggingFaceHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly Dictionary<string, FakeHubRepository> _repositories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _renamed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
    private int _rateLimitedLeft;
    private int _rateLimitReset;
    private bool _rateLimitRetryAfter;
    private int _failuresLeft;
    private int _failureStatus;
    private int _expiredAddressesLeft;

    private FakeHuggingFaceHub(WebApplication app, LoopbackFileServer storage, string folder)
    {
        _app = app;
        Storage = storage;
        Folder = folder;
    }

    /// <summary>The Hub's address, <c>http://127.0.0.1:PORT/</c> (what <c>Endpoint</c> or <c>HF_ENDPOINT</c> is set to).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The storage host large files redirect to (another port: another origin, which must never see the token).</summary>
    public LoopbackFileServer Storage { get; }

    /// <summary>Where the fake keeps file bytes.</summary>
    public string Folder { get; }

    /// <summary>Every request the Hub (not the storage host) answered, in order.</summary>
    public ConcurrentQueue<HubRequest> Requests { get; } = new();

    /// <summary>Entries per page of a tree listing (the Hub: 1000).</summary>
    public int TreePageSize { get; set; } = 1000;

    /// <summary>How long the Hub stays silent before answering any request (a stalled server).</summary>
    public TimeSpan Stall { get; set; }

    /// <summary>Starts the Hub and its storage host on free ports of 127.0.0.1.</summary>
    public static async Task<FakeHuggingFaceHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Limits.MaxRequestBodySize = null;
            options.Listen(System.Net.IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var storage = await LoopbackFileServer.StartAsync();
        var hub = new FakeHuggingFaceHub(app, storage, Directory.CreateTempSubdirectory("fake-hf-hub-").FullName);
        app.Use(hub.RecordAndFaultAsync);
        hub.MapEndpoints(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub.Endpoint = new Uri(address.TrimEnd('/') + "/");
        return hub;
    }

    /// <summary>Accepts <paramref name="token"/> as a bearer token (it reads public repositories, and those it is granted).</summary>
    public void AddToken(string token)
    {
        lock (_gate)
        {
            _tokens.Add(token);
        }
    }

    /// <summary>Creates a repository whose <c>main</c> branch has one commit with a <c>.gitattributes</c>, as the Hub does.</summary>
    /// <param name="id"><c>org/name</c>.</param>
    /// <param name="repoType"><c>model</c> or <c>dataset</c>.</param>
    /// <param name="isPrivate">Hidden from everyone but granted tokens.</param>
    /// <param name="isGated">Files readable by granted tokens only.</param>
    /// <param name="lfsForWeights">Whether weight files go to LFS (the Hub's default); false keeps every file in Git.</param>
    public FakeHubRepository AddRepository(string id, string repoType = "model", bool isPrivate = false, bool isGated = false, bool lfsForWeights = true)
    {
        var repository = new FakeHubRepository(id, repoType, isPrivate, isGated, lfsForWeights);
        lock (_gate)
        {
            _repositories[Key(repoType, id)] = repository;
        }

        Commit(id, new Dictionary<string, byte[]?> { [".gitattributes"] = Encoding.UTF8.GetBytes("*.pt filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.onnx filter=lfs diff=lfs merge=lfs -text\n") }, repoType: repoType);
        return repository;
    }

    /// <summary>Lets <paramref name="token"/> read a private or gated repository (accepted conditions).</summary>
    public void GrantAccess(string id, string token, string repoType = "model")
    {
        lock (_gate)
        {
            Repository(id, repoType).GrantedTokens.Add(token);
        }
    }

    /// <summary>Makes <paramref name="oldId"/> redirect (307, relative) to <paramref name="newId"/>, as the Hub does after a rename.</summary>
    public void Rename(string oldId, string newId, string repoType = "model")
    {
        lock (_gate)
        {
            _renamed[Key(repoType, oldId)] = newId;
        }
    }

    /// <summary>Commits one file (added or replaced) on <paramref name="branch"/>; returns the new commit id.</summary>
    public string CommitFile(string id, string path, byte[] content, string branch = "main", string repoType = "model", bool? lfs = null) =>
        Commit(id, new Dictionary<string, byte[]?> { [path] = content }, branch, repoType, lfs);

    /// <summary>Commits one file streamed from <paramref name="content"/> (never held in memory); returns the new commit id.</summary>
    public string CommitFile(string id, string path, Stream content, string branch = "main", string repoType = "model", bool? lfs = null)
    {
        var file = StoreBlob(path, content, UseLfs(id, repoType, path, lfs));
        return CommitFiles(id, [KeyValuePair.Create(path, (FakeHubFile?)file)], branch, repoType);
    }

    /// <summary>Commits several changes at once (a <see langword="null"/> value deletes the file); returns the new commit id.</summary>
    public string Commit(string id, IReadOnlyDictionary<string, byte[]?> changes, string branch = "main", string repoType = "model", bool? lfs = null)
    {
        var files = changes.Select(change => KeyValuePair.Create(change.Key, change.Value is null ? null : (FakeHubFile?)StoreBlob(change.Key, new MemoryStream(change.Value), UseLfs(id, repoType, change.Key, lfs)))).ToList();
        return CommitFiles(id, files, branch, repoType);
    }

    /// <summary>Creates (or moves) a branch to the commit <paramref name="revision"/> names.</summary>
    public void CreateBranch(string id, string name, string revision, string repoType = "model")
    {
        lock (_gate)
        {
            var repository = Repository(id, repoType);
            repository.Branches[name] = (repository.Resolve(revision) ?? throw new ArgumentException($"No revision {revision}.")).Sha;
        }
    }

    /// <summary>Creates a tag on the commit <paramref name="revision"/> names.</summary>
    public void CreateTag(string id, string name, string revision, string repoType = "model")
    {
        lock (_gate)
        {
            var repository = Repository(id, repoType);
            repository.Tags[name] = (repository.Resolve(revision) ?? throw new ArgumentException($"No revision {revision}.")).Sha;
        }
    }

    /// <summary>The commit a revision names now.</summary>
    public string CommitOf(string id, string revision = "main", string repoType = "model")
    {
        lock (_gate)
        {
            return (Repository(id, repoType).Resolve(revision) ?? throw new ArgumentException($"No revision {revision}.")).Sha;
        }
    }

    /// <summary>A file at a revision, or <see langword="null"/>.</summary>
    public FakeHubFile? FindFile(string id, string path, string revision = "main", string repoType = "model")
    {
        lock (_gate)
        {
            return Repository(id, repoType).Resolve(revision)?.Files.GetValueOrDefault(path);
        }
    }

    /// <summary>Replaces what the storage host serves for a large file (its address stays): a damaged or tampered CDN copy.</summary>
    public void TamperStorage(FakeHubFile file, byte[] content)
    {
        if (!file.IsLfs)
        {
            throw new ArgumentException("Only large (LFS) files are on the storage host.", nameof(file));
        }

        Storage.Put(StoragePath(file), content);
    }

    /// <summary>Answers the next <paramref name="requests"/> Hub requests with 429, resetting in <paramref name="resetSeconds"/>.</summary>
    /// <param name="requests">How many requests are refused.</param>
    /// <param name="resetSeconds">The <c>t=</c> of the <c>RateLimit</c> header (and <c>Retry-After</c> when sent).</param>
    /// <param name="retryAfterHeader">Whether <c>Retry-After</c> is sent too; without it only <c>RateLimit</c> says when to retry.</param>
    public void RateLimit(int requests, int resetSeconds, bool retryAfterHeader = true)
    {
        lock (_gate)
        {
            _rateLimitedLeft = requests;
            _rateLimitReset = resetSeconds;
            _rateLimitRetryAfter = retryAfterHeader;
        }
    }

    /// <summary>Answers the next <paramref name="requests"/> Hub requests with <paramref name="status"/> (a 503, for instance).</summary>
    public void FailNext(int requests, int status)
    {
        lock (_gate)
        {
            _failuresLeft = requests;
            _failureStatus = status;
        }
    }

    /// <summary>
    /// Makes the next <paramref name="redirects"/> redirects of large files point to storage addresses that have already
    /// expired (the storage host answers them 403, as a CDN does once a signed address is past its time).
    /// </summary>
    public void ExpireNextStorageAddresses(int redirects)
    {
        lock (_gate)
        {
            _expiredAddressesLeft = redirects;
        }
    }

    /// <summary>Stops the Hub and its storage host and deletes the file bytes.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Storage.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal static string StoragePath(FakeHubFile file) => $"lfs/{file.Sha256}";

    /// <summary>The storage address a redirect names now: the file's, or an expired one while <see cref="ExpireNextStorageAddresses"/> lasts.</summary>
    internal string RedirectPath(FakeHubFile file)
    {
        lock (_gate)
        {
            if (_expiredAddressesLeft <= 0)
            {
                return StoragePath(file);
            }

            _expiredAddressesLeft--;
        }

        var expired = $"lfs-expired/{file.Sha256}";
        Storage.FailWith(expired, 403);
        return expired;
    }

    private static string Key(string repoType, string id) => $"{repoType}:{id}";

    private static string NewCommitId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    // The Hub's default .gitattributes sends weights and archives to LFS.
    private static bool IsWeightFile(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".pt" or ".pth" or ".bin" or ".safetensors" or ".onnx" or ".ckpt" or ".h5" or ".msgpack" or ".npy" or ".npz" or ".pkl" or ".tflite" or ".gz" or ".zip" or ".parquet" or ".arrow";

    private FakeHubRepository Repository(string id, string repoType) =>
        _repositories.TryGetValue(Key(repoType, id), out var repository) ? repository : throw new ArgumentException($"No {repoType} repository {id}.");

    private bool UseLfs(string id, string repoType, string path, bool? lfs)
    {
        lock (_gate)
        {
            return lfs ?? (Repository(id, repoType).LfsForWeights && IsWeightFile(path));
        }
    }

    private FakeHubFile StoreBlob(string path, Stream content, bool lfs)
    {
        var blob = Path.Combine(Folder, Guid.NewGuid().ToString("N"));
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        using (var file = new FileStream(blob, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = content.Read(buffer)) > 0)
            {
                sha256.AppendData(buffer, 0, read);
                file.Write(buffer, 0, read);
                size += read;
            }
        }

        var sha = Convert.ToHexStringLower(sha256.GetHashAndReset());
        string gitOid;
        if (lfs)
        {
            gitOid = GitBlobId(LfsPointer(sha, size));
            var stored = new FakeHubFile(path, size, sha, gitOid, true, blob);
            Storage.PutFile(StoragePath(stored), blob);
            return stored;
        }

        using (var read = File.OpenRead(blob))
        {
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(Encoding.ASCII.GetBytes($"blob {size.ToString(CultureInfo.InvariantCulture)}\0"));
            var buffer = new byte[1 << 16];
            int count;
            while ((count = read.Read(buffer)) > 0)
            {
                sha1.AppendData(buffer, 0, count);
            }

            gitOid = Convert.ToHexStringLower(sha1.GetHashAndReset());
        }

        return new FakeHubFile(path, size, sha, gitOid, false, blob);
    }

    private static string GitBlobId(byte[] bytes) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length.ToString(CultureInfo.InvariantCulture)}\0"), .. bytes]));

    private string CommitFiles(string id, IEnumerable<KeyValuePair<string, FakeHubFile?>> changes, string branch, string repoType)
    {
        lock (_gate)
        {
            var repository = Repository(id, repoType);
            var parent = repository.Branches.TryGetValue(branch, out var head) ? repository.Commits[head] : null;
            var files = parent?.Files ?? ImmutableSortedDictionary.Create<string, FakeHubFile>(StringComparer.Ordinal);
            foreach (var (path, file) in changes)
            {
                files = file is null ? files.Remove(path) : files.SetItem(path, file);
            }

            var commit = new FakeHubCommit(NewCommitId(), parent?.Sha, files);
            repository.Commits[commit.Sha] = commit;
            repository.Branches[branch] = commit.Sha;
            return commit.Sha;
        }
    }

    /// <summary>Stalls, faults and records every Hub request.</summary>
    private async Task RecordAndFaultAsync(HttpContext context, RequestDelegate next)
    {
        // Recorded when the response starts, before the client can have its body (and its test be counting requests), or
        // at the end for a response that never started; once either way.
        var recorded = 0;
        void Record()
        {
            if (Interlocked.Exchange(ref recorded, 1) == 0)
            {
                var request = context.Request;
                Requests.Enqueue(new HubRequest(request.Method, request.Path + request.QueryString, NullIfEmpty(request.Headers.Authorization.ToString()), NullIfEmpty(request.Headers.Range.ToString()), context.Response.StatusCode));
            }
        }

        context.Response.OnStarting(() =>
        {
            Record();
            return Task.CompletedTask;
        });
        try
        {
            if (Stall > TimeSpan.Zero)
            {
                await Task.Delay(Stall, context.RequestAborted);
            }

            int? failure = null;
            bool rateLimited;
            lock (_gate)
            {
                rateLimited = _rateLimitedLeft > 0 && _rateLimitedLeft-- > 0;
                if (!rateLimited && _failuresLeft > 0)
                {
                    _failuresLeft--;
                    failure = _failureStatus;
                }
            }

            if (rateLimited)
            {
                context.Response.StatusCode = 429;
                context.Response.Headers["RateLimit"] = $"\"api\";r=0;t={_rateLimitReset.ToString(CultureInfo.InvariantCulture)}";
                context.Response.Headers["RateLimit-Policy"] = "\"fixed window\";\"api\";q=500;w=300";
                if (_rateLimitRetryAfter)
                {
                    context.Response.Headers.RetryAfter = _rateLimitReset.ToString(CultureInfo.InvariantCulture);
                }
            }
            else if (failure is { } status)
            {
                context.Response.StatusCode = status;
            }
            else
            {
                await next(context);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            Record();
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
