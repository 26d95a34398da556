using System.Security.Cryptography;
using ModelStore.Oci;
using ModelStore.Oci.Testing;
using ModelStore.States;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// The real `dotnet build` of a consumer project resolving a ModelState from an OCI registry (Debian's docker-registry on
/// loopback): the lock file pins the artifact's manifest digest, and after the tag is moved to another manifest a build
/// on a cold cache still gets the same bytes.
/// </summary>
[TestClass]
public sealed class OciBuildIntegrationTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";

    private static RegistryServer? _server;

    public TestContext TestContext { get; set; } = null!;

    private static RegistryServer Server => _server ?? throw new InvalidOperationException("The registry is not running.");

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        _ = context;
        _server = await RegistryServer.StartAsync();
    }

    [ClassCleanup]
    public static void StopServer() => _server?.Dispose();

    [TestMethod]
    public async Task Builds_a_state_pinned_by_manifest_digest_and_keeps_its_bytes_after_the_tag_moves()
    {
        var repository = RegistryServer.NewRepository();
        var key = StateKey.Parse(Digits);
        var store = new OciStateStore(Server.Registry, repository, Server.Options(withCredentials: false));
        var first = RandomNumberGenerator.GetBytes(3 << 20);
        await store.WriteAsync(key, new MemoryStream(first), cancellationToken: TestContext.CancellationToken);
        var digest = await store.AtReference(OciStateStore.GetTag(key)).ResolveRevisionAsync(TestContext.CancellationToken);
        var app = await ConsumerProject.CreateAsync("oci-pinned");
        app.WithStore("registry", $"Kind=\"Oci\" Registry=\"{Server.Registry}\" Repository=\"{repository}\" Reference=\"{OciStateStore.GetTag(key)}\" Insecure=\"true\"")
            .WithState(Digits, "Store=\"registry\" AccessorName=\"Digits\"");

        var build = await app.BuildAsync();

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, $"ModelStore: fetched {Digits} from store 'registry'", build.ToString());
        var lockText = File.ReadAllText(app.LockFile);
        StringAssert.Contains(lockText, $"\"revision\": \"{digest}\"", lockText);
        StringAssert.Contains(lockText, $"\"sha256\": \"{Sha(first)}\"", lockText);

        // The tag moves to another manifest; a build on a cold cache reads the recorded digest, not the tag.
        var second = RandomNumberGenerator.GetBytes(2 << 20);
        await store.WriteAsync(key, new MemoryStream(second), overwrite: true, cancellationToken: TestContext.CancellationToken);
        Directory.Delete(app.Home, recursive: true);
        var rebuilt = await app.BuildAsync("-p:ModelStoreLockedMode=true");

        Assert.AreEqual(0, rebuilt.ExitCode, rebuilt.ToString());
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"state {Digits} size={first.Length} sha256={Sha(first)} read={first.Length}", run.ToString());
        Assert.AreEqual(lockText, File.ReadAllText(app.LockFile));
    }

    [TestMethod]
    public async Task A_bundle_resolves_from_the_layers_of_a_pinned_artifact_and_a_blob_damaged_in_the_registry_is_MST0004()
    {
        var repository = RegistryServer.NewRepository();
        var key = StateKey.Parse(BundleBuildScenario.First);
        var store = new OciStateStore(Server.Registry, repository, Server.Options(withCredentials: false));
        var files = BundleBuildScenario.CreateFiles();
        await store.WriteFilesAsync(key, [.. files.Select(file => new KeyValuePair<string, Stream>(file.Key, new MemoryStream(file.Value)))], cancellationToken: TestContext.CancellationToken);
        var app = await ConsumerProject.CreateAsync("oci-bundle");

        var locked = await BundleBuildScenario.RunAsync(
            app,
            $"Kind=\"Oci\" Registry=\"{Server.Registry}\" Repository=\"{repository}\" Reference=\"{OciStateStore.GetTag(key)}\" Insecure=\"true\"",
            files,
            () =>
            {
                // The registry keeps blobs by digest on disk: the layer of config.json now holds other bytes of the same size.
                var digest = BundleBuildScenario.Sha(files["config.json"]);
                var blob = Path.Combine(Path.GetDirectoryName(Server.CaFile)!, "data", "docker", "registry", "v2", "blobs", "sha256", digest[..2], digest, "data");
                File.WriteAllBytes(blob, """{"hidden_size": 768}"""u8.ToArray());
                return Task.CompletedTask;
            });

        BundleBuildScenario.AssertChangedFileFails(locked);
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
