using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelStore.GitHub.Testing;

/// <summary>One request the fake received, as the tests inspect it.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, string? Authorization, int Status, bool Counted);

/// <summary>
/// A local server speaking the part of GitHub's REST API that Octokit uses for releases, with GitHub's paths
/// (<c>/api/v3/...</c> and <c>/api/uploads/...</c> as on GitHub Enterprise), JSON shapes (snake_case), status codes,
/// pagination <c>Link</c> headers, ETags and <c>304</c>, rate-limit headers with a configurable budget, and the public
/// download address <c>/{owner}/{repo}/releases/download/{tag}/{asset}</c> redirecting to storage as GitHub does.
/// Asset bytes are streamed to and from files, never held in memory.
/// </summary>
public sealed partial class FakeGitHubServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly Dictionary<string, FakeRepository> _repositories = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FakeIdentity> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeIdentity> _basicUsers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _used = new(StringComparer.Ordinal);
    private long _nextId = 1000;
    private int _storageCuts;
    private long _storageBytes;

    private FakeGitHubServer(WebApplication app, string storage)
    {
        _app = app;
        Storage = storage;
    }

    /// <summary>The server's address, as a GitHub Enterprise base address (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Where asset bytes are kept.</summary>
    public string Storage { get; }

    /// <summary>API calls an hour allowed to an anonymous caller (GitHub: 60).</summary>
    public int AnonymousBudget { get; set; } = 60;

    /// <summary>API calls an hour allowed to an authenticated caller (GitHub: 5,000).</summary>
    public int AuthenticatedBudget { get; set; } = 5000;

    /// <summary>When the budgets reset (X-RateLimit-Reset).</summary>
    public DateTimeOffset ResetAt { get; set; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(37).ToUnixTimeSeconds());

    /// <summary>How long every request waits before it is answered (to test timeouts).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>
    /// The number of storage GETs (asset bytes) still to be cut after <see cref="StorageCutAfterBytes"/> bytes of their
    /// body, as a dropped connection would.
    /// </summary>
    public int StorageCuts
    {
        get => Volatile.Read(ref _storageCuts);
        set => Volatile.Write(ref _storageCuts, value);
    }

    /// <summary>How many body bytes a cut storage GET sends before the connection is dropped.</summary>
    public long StorageCutAfterBytes { get; set; } = 1024;

    /// <summary>The asset bytes storage has sent so far (bodies of GETs).</summary>
    public long StorageBytesServed => Interlocked.Read(ref _storageBytes);

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The API calls counted against a rate limit so far.</summary>
    public int CountedCalls => Requests.Count(request => request.Counted);

    public static async Task<FakeGitHubServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Limits.MaxRequestBodySize = null;
            options.Listen(System.Net.IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var server = new FakeGitHubServer(app, Directory.CreateTempSubdirectory("fake-github-").FullName);
        app.Use(server.RecordAndLimitAsync);
        server.MapEndpoints(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>Adds a repository with the given branches (default <c>main</c> and <c>model-store</c>).</summary>
    public void AddRepository(string owner, string name, bool isPrivate = false, params string[] branches)
    {
        lock (_gate)
        {
            _repositories[$"{owner}/{name}"] = new FakeRepository(NextId(), owner, name, isPrivate, branches.Length == 0 ? ["main", "model-store"] : branches);
        }
    }

    /// <summary>Accepts <paramref name="token"/> as a bearer (or <c>token</c>) credential.</summary>
    public void AddToken(string token, string login, bool canWrite = true) => _tokens[token] = new FakeIdentity(login, canWrite);

    /// <summary>Accepts HTTP basic <paramref name="user"/>:<paramref name="token"/>.</summary>
    public void AddBasicUser(string user, string token, bool canWrite = true) => _basicUsers[$"{user}:{token}"] = new FakeIdentity(user, canWrite);

    /// <summary>Publishes an asset directly, as if another tool (MoZuMa) had uploaded it; creates the release if needed.</summary>
    public void SeedAsset(string owner, string repository, string tag, string assetName, string sourceFile)
    {
        var path = Path.Combine(Storage, $"seed-{Guid.NewGuid():N}");
        File.Copy(sourceFile, path);
        lock (_gate)
        {
            var repo = _repositories[$"{owner}/{repository}"];
            var release = repo.Releases.FirstOrDefault(r => r.Tag == tag);
            if (release is null)
            {
                release = new FakeRelease(NextId(), tag, tag, "model-store", DateTimeOffset.UtcNow);
                repo.Releases.Add(release);
            }

            release.Assets.Add(new FakeAsset(NextId(), assetName, path, new FileInfo(path).Length, "application/gzip", DateTimeOffset.UtcNow));
        }
    }

    /// <summary>The file holding an asset's bytes (as uploaded: gzip for states), or <see langword="null"/>.</summary>
    public string? FindAssetFile(string owner, string repository, string tag, string assetName)
    {
        lock (_gate)
        {
            return _repositories[$"{owner}/{repository}"].Releases.FirstOrDefault(r => r.Tag == tag)?.Assets.FirstOrDefault(a => a.Name == assetName)?.Path;
        }
    }

    /// <summary>The names of every asset of a release (including temporary ones).</summary>
    public IReadOnlyList<string> AssetNames(string owner, string repository, string tag)
    {
        lock (_gate)
        {
            return _repositories[$"{owner}/{repository}"].Releases.FirstOrDefault(r => r.Tag == tag)?.Assets.Select(a => a.Name).ToList() ?? [];
        }
    }

    /// <summary>The release of a tag, for assertions on how it was created.</summary>
    public FakeRelease? FindRelease(string owner, string repository, string tag)
    {
        lock (_gate)
        {
            return _repositories[$"{owner}/{repository}"].Releases.FirstOrDefault(r => r.Tag == tag);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(Storage, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>Authentication, rate limiting and recording, as GitHub applies them to API calls.</summary>
    private async Task RecordAndLimitAsync(HttpContext context, RequestDelegate next)
    {
        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        var isApi = context.Request.Path.StartsWithSegments("/api");
        FakeIdentity? identity = null;
        if (!string.IsNullOrEmpty(authorization))
        {
            identity = Authenticate(authorization);
            if (identity is null && isApi)
            {
                Record(context, authorization, 401, counted: false);
                await WriteErrorAsync(context, 401, "Bad credentials", "https://docs.github.com/rest");
                return;
            }
        }

        context.Items[nameof(FakeIdentity)] = identity;
        if (!isApi)
        {
            await next(context);
            Record(context, authorization, context.Response.StatusCode, counted: false);
            return;
        }

        var bucket = identity?.Login ?? "anonymous";
        var limit = identity is null ? AnonymousBudget : AuthenticatedBudget;
        int remaining;
        lock (_gate)
        {
            remaining = limit - _used.GetValueOrDefault(bucket);
        }

        if (remaining <= 0)
        {
            SetRateLimitHeaders(context, limit, 0);
            Record(context, authorization, 403, counted: false);
            await WriteErrorAsync(context, 403, $"API rate limit exceeded for {(identity is null ? "127.0.0.1" : "user " + identity.Login)}. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)", "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting");
            return;
        }

        // GitHub: a 304 answer to a correctly authorized conditional request does not count.
        bool Counts() => !(context.Response.StatusCode == 304 && identity is not null);

        // Recorded when the response starts, before the client can have its body (and its test be counting requests), or
        // after the handler for a response that never started; once either way.
        var recorded = 0;
        void RecordOnce()
        {
            if (Interlocked.Exchange(ref recorded, 1) == 0)
            {
                Record(context, authorization, context.Response.StatusCode, Counts());
            }
        }

        context.Response.OnStarting(() =>
        {
            var counted = Counts();
            int now;
            lock (_gate)
            {
                if (counted)
                {
                    _used[bucket] = _used.GetValueOrDefault(bucket) + 1;
                }

                now = limit - _used.GetValueOrDefault(bucket);
            }

            SetRateLimitHeaders(context, limit, now);
            RecordOnce();
            return Task.CompletedTask;
        });
        await next(context);
        RecordOnce();
    }

    private FakeIdentity? Authenticate(string authorization)
    {
        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return null;
        }

        var scheme = authorization[..space];
        var value = authorization[(space + 1)..].Trim();
        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return _basicUsers.GetValueOrDefault(Encoding.UTF8.GetString(Convert.FromBase64String(value)));
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || scheme.Equals("token", StringComparison.OrdinalIgnoreCase)
            ? _tokens.GetValueOrDefault(value)
            : null;
    }

    private void SetRateLimitHeaders(HttpContext context, int limit, int remaining)
    {
        var headers = context.Response.Headers;
        headers["X-RateLimit-Limit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["X-RateLimit-Remaining"] = Math.Max(remaining, 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["X-RateLimit-Used"] = Math.Max(limit - remaining, 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["X-RateLimit-Reset"] = ResetAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["X-RateLimit-Resource"] = "core";
    }

    private void Record(HttpContext context, string authorization, int status, bool counted) =>
        Requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, string.IsNullOrEmpty(authorization) ? null : authorization, status, counted));
}
