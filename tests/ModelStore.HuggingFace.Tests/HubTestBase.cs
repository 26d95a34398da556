using ModelStore.HuggingFace.Testing;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Tests;

/// <summary>What the Hub store tests share: the assembly's fake Hub, stores on it, and a healthy Hub after each test.</summary>
public abstract class HubTestBase
{
    protected const string Token = "hf_TestReaderSecretToken0123456789";

    protected static readonly StateKey Resnet = StateKey.Parse("pytorch/resnet18.cls1000.imagenet");

    public TestContext TestContext { get; set; } = null!;

    protected static FakeHuggingFaceHub Hub => HubServer.Hub;

    protected CancellationToken Cancel => TestContext.CancellationToken;

    [TestInitialize]
    public void AddToken() => Hub.AddToken(Token);

    [TestCleanup]
    public void HealHub() => HubServer.Heal();

    /// <summary>A store on <paramref name="repository"/> at the fake Hub, anonymous unless <paramref name="environment"/> says otherwise.</summary>
    protected static HuggingFaceStateStore CreateStore(string repository, Action<HuggingFaceStoreOptions>? configure = null, Func<string, string?>? environment = null)
    {
        var options = new HuggingFaceStoreOptions
        {
            Endpoint = Hub.Endpoint,
            EnvironmentVariables = environment ?? TestEnvironment.Empty,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            Download = new Downloads.ChunkedDownloadOptions { RetryDelay = TimeSpan.FromMilliseconds(10) },
        };
        configure?.Invoke(options);
        return new HuggingFaceStateStore(repository, options);
    }

    protected static Func<string, string?> WithToken(string token = Token) => TestEnvironment.Of(("HF_TOKEN", token));

    protected async Task<byte[]> ReadAsync(IStateStore store, StateKey key)
    {
        await using var stream = await store.OpenReadAsync(key, Cancel);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Cancel);
        return buffer.ToArray();
    }

    protected static byte[] RandomBytes(int count) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(count);

    protected static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    /// <summary>The Hub requests received since <paramref name="skip"/> requests.</summary>
    protected static IReadOnlyList<HubRequest> HubRequestsSince(int skip) => Hub.Requests.Skip(skip).ToList();
}
