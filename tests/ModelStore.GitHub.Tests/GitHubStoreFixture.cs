using ModelStore.GitHub.Testing;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.GitHub.Tests;

/// <summary>Starts a fake GitHub per test with one repository, a writer token, a basic-auth user and a read-only token.</summary>
public abstract class GitHubStoreFixture
{
    protected const string Owner = "acme";
    protected const string Repository = "models";
    protected const string WriterToken = "ghp_WriterSecretToken0123456789";
    protected const string ReaderToken = "ghp_ReaderSecretToken9876543210";
    protected const string BasicUser = "alice";
    protected const string BasicToken = "ghp_Basic:Secret:WithColons42";

    protected static readonly StateType Resnet = new("pytorch", "resnet18", "cls1000");

    public TestContext TestContext { get; set; } = null!;

    protected FakeGitHubServer Server { get; private set; } = null!;

    protected CancellationToken Cancel => TestContext.CancellationToken;

    [TestInitialize]
    public async Task StartServerAsync()
    {
        Server = await FakeGitHubServer.StartAsync();
        Server.AddRepository(Owner, Repository);
        Server.AddToken(WriterToken, "writer");
        Server.AddToken(ReaderToken, "reader", canWrite: false);
        Server.AddBasicUser(BasicUser, BasicToken);
    }

    [TestCleanup]
    public async Task StopServerAsync() => await Server.DisposeAsync();

    protected GitHubReleaseStore CreateStore(Func<string, string?> environment, Action<GitHubReleaseStoreOptions>? configure = null, string owner = Owner, string repository = Repository, string branch = "model-store")
    {
        var options = new GitHubReleaseStoreOptions { BaseAddress = Server.BaseAddress, EnvironmentVariables = environment };
        configure?.Invoke(options);
        return new GitHubReleaseStore(owner, repository, branch, options: options);
    }

    protected GitHubReleaseStore CreateWriter(Action<GitHubReleaseStoreOptions>? configure = null) =>
        CreateStore(TestEnvironment.Of(("GH_TOKEN", WriterToken)), configure);

    protected async Task WriteAsync(IStateStore store, StateKey key, byte[] bytes, bool overwrite = false)
    {
        using var content = new MemoryStream(bytes);
        await store.WriteAsync(key, content, overwrite, Cancel);
    }

    protected async Task<byte[]> ReadAsync(IStateStore store, StateKey key)
    {
        await using var stream = await store.OpenReadAsync(key, Cancel);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Cancel);
        return buffer.ToArray();
    }

    /// <summary>The API requests (not downloads) received since <paramref name="skip"/> requests.</summary>
    protected IReadOnlyList<RecordedRequest> ApiRequestsSince(int skip) =>
        Server.Requests.Skip(skip).Where(request => request.PathAndQuery.StartsWith("/api/", StringComparison.Ordinal)).ToList();

    /// <summary>Writes <paramref name="bytes"/> gzipped to a temporary file, with /bin/gzip (independent of .NET).</summary>
    protected string GzipWithSystemTool(byte[] bytes)
    {
        var raw = Path.Combine(Server.Storage, $"raw-{Guid.NewGuid():N}");
        File.WriteAllBytes(raw, bytes);
        using var gzip = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("gzip", ["-9", "-n", raw]) { RedirectStandardError = true })!;
        gzip.WaitForExit();
        Assert.AreEqual(0, gzip.ExitCode, gzip.StandardError.ReadToEnd());
        return raw + ".gz";
    }
}
