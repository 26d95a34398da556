using System.Security;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using ModelStore.S3;
using ModelStore.States;
using ModelStore.Testing;

namespace ModelStore.Build.Tests.Integration;

/// <summary>The real `dotnet build` of a consumer project resolving a ModelState from an S3 store (a real radosgw).</summary>
[TestClass]
public sealed class S3BuildIntegrationTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";

    private static RadosGatewayServer? _server;

    public TestContext TestContext { get; set; } = null!;

    private static RadosGatewayServer Server => _server ?? throw new InvalidOperationException("The S3 server is not running.");

    [ClassInitialize]
    public static void StartServer(TestContext context)
    {
        _ = context;
        _server = RadosGatewayServer.Start(memoryBytes: 1L << 30);
    }

    [ClassCleanup]
    public static void StopServer() => _server?.Dispose();

    [TestMethod]
    public async Task Builds_a_state_from_an_S3_store_with_credentials_from_the_environment()
    {
        var bucket = await CreateBucketAsync();
        var bytes = RandomNumberGenerator.GetBytes(3 << 20);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using (var store = new S3StateStore(new S3StateStoreOptions { Bucket = bucket, BasePath = "team", ServiceUrl = Server.Endpoint, ForcePathStyle = true, AccessKey = Server.AccessKey, SecretKey = Server.SecretKey, ChecksumsOnlyWhenRequired = true }))
        {
            await store.WriteAsync(StateKey.Parse(Digits), new MemoryStream(bytes), cancellationToken: TestContext.CancellationToken);
        }

        var app = await ConsumerProject.CreateAsync("s3-happy");
        app.ExtraEnvironment["AWS_ACCESS_KEY_ID"] = Server.AccessKey;
        app.ExtraEnvironment["AWS_SECRET_ACCESS_KEY"] = Server.SecretKey;
        app.WithStore("team", $"Kind=\"S3\" Bucket=\"{bucket}\" BasePath=\"team\" ServiceUrl=\"{SecurityElement.Escape(Server.Endpoint)}\" Region=\"us-east-1\"")
            .WithState(Digits, "Store=\"team\" AccessorName=\"Digits\"");

        var build = await app.BuildAsync();

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, $"ModelStore: fetched {Digits} from store 'team'", build.ToString());
        StringAssert.Contains(File.ReadAllText(app.LockFile), $"\"sha256\": \"{sha}\"");
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"state {Digits} size={bytes.Length} sha256={sha} read={bytes.Length}", run.ToString());
        Assert.IsFalse(build.ToString().Contains(Server.SecretKey, StringComparison.Ordinal), "The build output holds the secret.");
        Assert.IsFalse(File.ReadAllText(app.LockFile).Contains(Server.SecretKey, StringComparison.Ordinal), "The lock file holds the secret.");

        // The CI prefetch: `modelstore restore` fills an empty cache from the lock file, then an offline, locked build
        // needs nothing else. The lock file's ServiceUrl gets the credentials only once the user confirms it (docs/security.md).
        Directory.Delete(app.Home, recursive: true);
        var (unconfirmed, _, refusal) = await RunCliWithServerCredentialsAsync(["restore", Path.Combine(app.Folder, "app.csproj"), "--cache", app.Home]);
        Assert.AreEqual(2, unconfirmed, refusal);
        StringAssert.Contains(refusal, "--store-setting \"team:ServiceUrl=");
        var (restored, output, error) = await RunCliWithServerCredentialsAsync(["restore", Path.Combine(app.Folder, "app.csproj"), "--cache", app.Home, "--store-setting", $"team:ServiceUrl={Server.Endpoint}"]);
        Assert.AreEqual(0, restored, $"{output}{error}");
        StringAssert.Contains(output, "1 fetched, 0 already cached, 0 failed");
        Assert.IsFalse((output + error).Contains(Server.SecretKey, StringComparison.Ordinal), "The tool printed the secret.");
        var offline = await app.BuildAsync("-p:ModelStoreOffline=true", "-p:ModelStoreLockedMode=true");
        Assert.AreEqual(0, offline.ExitCode, offline.ToString());
        StringAssert.Contains((await app.RunAppAsync()).Output, $"sha256={sha}");
    }

    [TestMethod]
    public async Task A_wrong_secret_is_a_coded_store_error_that_does_not_show_the_secret()
    {
        var bucket = await CreateBucketAsync();
        var wrongSecret = "wrong-" + Guid.NewGuid().ToString("N");
        var app = await ConsumerProject.CreateAsync("s3-denied");
        app.ExtraEnvironment["AWS_ACCESS_KEY_ID"] = Server.AccessKey;
        app.ExtraEnvironment["AWS_SECRET_ACCESS_KEY"] = wrongSecret;
        app.WithStore("team", $"Kind=\"S3\" Bucket=\"{bucket}\" ServiceUrl=\"{SecurityElement.Escape(Server.Endpoint)}\"")
            .WithState(Digits, "Store=\"team\"");

        var build = await app.BuildAsync();

        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "ModelStore error MST0005:", build.ToString());
        StringAssert.Contains(build.Output, bucket, build.ToString());
        Assert.IsFalse(build.ToString().Contains(wrongSecret, StringComparison.Ordinal), "The build output holds the secret.");
    }

    [TestMethod]
    public async Task A_mirror_filled_from_the_lock_file_serves_a_locked_GitHub_state_while_the_GitHub_server_is_down()
    {
        const string Resnet = "pytorch/resnet18.cls1000.imagenet";
        var bytes = RandomNumberGenerator.GetBytes(2 << 20);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var bucket = await CreateBucketAsync();
        var github = await GitHub.Testing.FakeGitHubServer.StartAsync();
        github.AddRepository("mozuma", "mozuma");
        var gzipped = Path.Combine(github.Storage, "published.gz");
        await using (var file = File.Create(gzipped))
        await using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(bytes, TestContext.CancellationToken);
        }

        github.SeedAsset("mozuma", "mozuma", "state.pytorch.resnet18", "cls1000.imagenet.state.gzip", gzipped);
        var app = await ConsumerProject.CreateAsync("s3-mirror");
        app.ExtraEnvironment["AWS_ACCESS_KEY_ID"] = Server.AccessKey;
        app.ExtraEnvironment["AWS_SECRET_ACCESS_KEY"] = Server.SecretKey;
        app.WithStore("mozuma", $"Kind=\"GitHub\" Owner=\"mozuma\" Repository=\"mozuma\" BaseAddress=\"{github.BaseAddress}\" Mirrors=\"fleet\"")
            .WithStore("fleet", $"Kind=\"S3\" Bucket=\"{bucket}\" BasePath=\"mirror\" ServiceUrl=\"{SecurityElement.Escape(Server.Endpoint)}\"")
            .WithState(Resnet, "Store=\"mozuma\"");

        // The first resolution goes to the origin (no hash known yet; the mirror is empty) and locks the state.
        var first = await app.BuildAsync();

        // The fleet pattern (build.md): fill the mirror from the origin with the lock file the build wrote.
        var (mirrored, output, error) = await RunCliWithServerCredentialsAsync(
            ["mirror", "--from", "github:mozuma/mozuma", "--from-setting", $"BaseAddress={github.BaseAddress}", "--to", $"s3://{bucket}/mirror", "--to-setting", $"ServiceUrl={Server.Endpoint}", "--lock", app.LockFile, "--cache", Path.Combine(app.Folder, "mirror-home")]);

        await github.DisposeAsync();
        var second = await app.BuildAsync($"-p:ModelStoreHome={Path.Combine(app.Folder, "fresh-home")}", "-p:ModelStoreLockedMode=true");

        Assert.AreEqual(0, first.ExitCode, first.ToString());
        StringAssert.Contains(first.Output, $"ModelStore: fetched {Resnet} from store 'mozuma'", first.ToString());
        Assert.AreEqual(0, mirrored, $"{output}{error}");
        StringAssert.Contains(output, $"copied   {Resnet}", $"{output}{error}");
        StringAssert.Contains(output, "1 copied, 0 skipped, 0 failed.", $"{output}{error}");
        Assert.AreEqual(0, second.ExitCode, second.ToString());
        StringAssert.Contains(second.Output, $"ModelStore: fetched {Resnet} from mirror 'fleet' of store 'mozuma'", second.ToString());
        StringAssert.Contains(File.ReadAllText(app.LockFile), $"\"store\": \"mozuma\"");
        StringAssert.Contains(File.ReadAllText(app.LockFile), $"\"sha256\": \"{sha}\"");
    }

    // The `modelstore` tool as users run it: its own process, the server's keys in its environment only (tests of this
    // class run in parallel, so the test process's environment is never changed).
    private async Task<(int ExitCode, string Output, string Error)> RunCliWithServerCredentialsAsync(IReadOnlyList<string> arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ModelStore.Testing.ModelStoreTool.DllPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = Server.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = Server.SecretKey;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.CancellationToken);
        await process.WaitForExitAsync(TestContext.CancellationToken);
        return (process.ExitCode, await output, await error);
    }

    [TestMethod]
    public async Task A_bundle_resolves_from_the_objects_under_a_base_path_and_an_object_changed_after_locking_is_MST0004()
    {
        var bucket = await CreateBucketAsync();
        using var client = AdminClient();
        var files = BundleBuildScenario.CreateFiles();
        foreach (var (path, bytes) in files)
        {
            await PutAsync(client, bucket, $"models/minilm/{path}", bytes);
        }

        var app = await ConsumerProject.CreateAsync("s3-bundle");
        app.ExtraEnvironment["AWS_ACCESS_KEY_ID"] = Server.AccessKey;
        app.ExtraEnvironment["AWS_SECRET_ACCESS_KEY"] = Server.SecretKey;
        var locked = await BundleBuildScenario.RunAsync(
            app,
            $"Kind=\"S3\" Bucket=\"{bucket}\" BasePath=\"models/minilm\" ServiceUrl=\"{SecurityElement.Escape(Server.Endpoint)}\" Region=\"us-east-1\"",
            files,
            () => PutAsync(client, bucket, "models/minilm/config.json", """{"hidden_size": 768}"""u8.ToArray()));

        BundleBuildScenario.AssertChangedFileFails(locked);
    }

    private Task PutAsync(AmazonS3Client client, string bucket, string name, byte[] bytes) =>
        client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = name, InputStream = new MemoryStream(bytes), UseChunkEncoding = false }, TestContext.CancellationToken);

    private static AmazonS3Client AdminClient() => new(
        new Amazon.Runtime.BasicAWSCredentials(Server.AccessKey, Server.SecretKey),
        new AmazonS3Config { ServiceURL = Server.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    private async Task<string> CreateBucketAsync()
    {
        var bucket = $"b-{Guid.NewGuid():N}";
        using var client = AdminClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, TestContext.CancellationToken);
        return bucket;
    }
}
