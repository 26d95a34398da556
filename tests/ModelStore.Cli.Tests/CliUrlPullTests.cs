using System.Security.Cryptography;
using System.Text.Json;
using ModelStore.Caching;
using ModelStore.Cli;
using ModelStore.Testing;

namespace ModelStore.Cli.Tests;

/// <summary><c>modelstore pull KEY --url URL</c> against a real HTTP server (Kestrel on loopback) that can cut connections.</summary>
[TestClass]
[DoNotParallelize]
public sealed class CliUrlPullTests
{
    private const string Key = "pytorch/resnet18.cls1000.torchvision";
    private static LoopbackFileServer _server = null!;

    private string _work = null!;

    public TestContext TestContext { get; set; } = null!;

    private string Cache => Path.Combine(_work, "cache");

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext _) => _server = await LoopbackFileServer.StartAsync();

    [ClassCleanup]
    public static async Task StopServerAsync() => await _server.DisposeAsync();

    [TestInitialize]
    public void CreateFolder() => _work = Directory.CreateTempSubdirectory("modelstore-cli-url-").FullName;

    [TestCleanup]
    public void Reset()
    {
        _server.CutConnections = 0;
        Directory.Delete(_work, recursive: true);
    }

    [TestMethod]
    public async Task A_pull_whose_connection_is_cut_mid_body_completes_with_the_right_bytes_and_is_cached_once()
    {
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        var sha = Sha(bytes);
        var url = _server.Put($"models/{Guid.NewGuid():N}/resnet18.pth", bytes);
        _server.CutAfterBytes = 700_000;
        _server.CutConnections = 2;
        var before = _server.Requests.Count;

        var pulled = await RunAsync("pull", Key, "--url", url.AbsoluteUri, "--sha256", sha, "--quiet");
        var gets = _server.Requests.Skip(before).Where(request => request.Method == "GET").ToList();
        var again = await RunAsync("pull", Key, "--url", url.AbsoluteUri);

        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        Assert.HasCount(3, gets, "Two cut GETs, then the one that finished: " + string.Join(", ", gets.Select(get => get.Range)));
        Assert.AreEqual($"{Key}  sha256:{sha}  3.1 MB  {new StateCache(Cache).GetBlobPath(sha)}", pulled.Output.Trim());
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(new StateCache(Cache).GetBlobPath(sha), TestContext.CancellationToken));
        Assert.IsTrue(gets.Skip(1).All(get => get.Range is { } range && !range.StartsWith("bytes=0-", StringComparison.Ordinal)), "Each retry continues from the bytes already written: " + string.Join(", ", gets.Select(get => get.Range)));
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(Cache, "tmp")), "No partial download is left.");
        Assert.AreEqual(0, again.Exit, again.Error);
        StringAssert.Contains(again.Error, "already in the cache");
        Assert.AreEqual($"url:{url.AbsoluteUri}", new StateCache(Cache).EnumerateStates().Single().StoreId);
    }

    [TestMethod]
    public async Task A_pull_that_fails_midway_keeps_one_partial_and_the_next_pull_resumes_it()
    {
        // Three chunks of the default 8 MiB: the last (1 MiB) finishes; the two others are cut after 1 MiB on every
        // attempt until the retries run out.
        var bytes = RandomNumberGenerator.GetBytes(17 * 1024 * 1024);
        var url = _server.Put($"models/{Guid.NewGuid():N}/big.pth", bytes);
        _server.CutAfterBytes = 1024 * 1024;
        _server.CutConnections = 1000;

        var failed = await RunAsync("pull", Key, "--url", url.AbsoluteUri, "--quiet");
        var partials = Directory.GetFiles(Path.Combine(Cache, "tmp"), "*.partial");
        var journals = Directory.GetFiles(Path.Combine(Cache, "tmp"), "*.journal");
        var journalText = journals.Length == 1 ? await File.ReadAllTextAsync(journals[0], TestContext.CancellationToken) : "";
        _server.CutConnections = 0;
        await _server.WaitUntilIdleAsync(TestContext.CancellationToken); // the failed pull's last requests may still be in their handlers
        var served = _server.BytesServed;
        var resumed = await RunAsync("pull", Key, "--url", url.AbsoluteUri, "--sha256", Sha(bytes), "--quiet");
        var transferred = _server.BytesServed - served;

        Assert.AreEqual(1, failed.Exit, failed.Error);
        StringAssert.Contains(failed.Error, "error (Unreachable)");
        Assert.HasCount(1, partials, "One partial file per state.");
        Assert.HasCount(1, journals, "The failed pull recorded what it wrote.");
        Assert.AreEqual(0, resumed.Exit, resumed.Error);

        // The journal of the failed pull: the last chunk finished, the two cut ones kept what reached the file. How much
        // that is depends on timing (a cut connection's unread bytes die with it: the server counts a MiB each time, the
        // client may have read less), so the check is exact instead: the resumed pull asks for the rest and no more.
        using var journal = JsonDocument.Parse(journalText);
        var done = journal.RootElement.GetProperty("Done").EnumerateArray().Select(value => value.GetBoolean()).ToArray();
        var written = journal.RootElement.GetProperty("Written").EnumerateArray().Select(value => value.GetInt64()).ToArray();
        CollectionAssert.AreEqual(new[] { false, false, true }, done, "Only the last chunk finished.");
        Assert.IsTrue(written[0] > 0 && written[1] > 0, $"Each cut chunk kept bytes: {written[0]}, {written[1]}.");
        Assert.AreEqual(16L * 1024 * 1024 - written[0] - written[1], transferred, "Neither the finished chunk nor what the cut chunks wrote is downloaded again.");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(new StateCache(Cache).GetBlobPath(Sha(bytes)), TestContext.CancellationToken));
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(Cache, "tmp")));
    }

    [TestMethod]
    public async Task Json_results_and_errors_never_show_the_signature_of_a_presigned_address()
    {
        const string signature = "S1gnatureSecretValue0123";
        var bytes = RandomNumberGenerator.GetBytes(50_000);
        var url = _server.Put($"models/{Guid.NewGuid():N}/signed.pth", bytes);
        var signed = $"{url.AbsoluteUri}?X-Amz-Expires=300&X-Amz-Signature={signature}";

        var pulled = await RunAsync("pull", Key, "--url", signed, "--json");
        var wrongHash = await RunAsync("pull", "pytorch/resnet18.cls1000.other", "--url", signed, "--sha256", new string('a', 64), "--json");
        var missing = await RunAsync("pull", Key, "--url", new Uri(_server.BaseAddress, "models/none.pth").AbsoluteUri);

        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        using (var document = JsonDocument.Parse(pulled.Output))
        {
            Assert.AreEqual(Key, document.RootElement.GetProperty("key").GetString());
            Assert.AreEqual($"url:{url.AbsoluteUri}?X-Amz-Expires=300&X-Amz-Signature=***", document.RootElement.GetProperty("store").GetString());
            Assert.AreEqual(Sha(bytes), document.RootElement.GetProperty("sha256").GetString());
        }

        Assert.AreEqual(string.Empty, pulled.Error, "No progress bar in JSON mode.");
        Assert.AreEqual(1, wrongHash.Exit);
        using (var error = JsonDocument.Parse(wrongHash.Error))
        {
            Assert.AreEqual("IntegrityMismatch", error.RootElement.GetProperty("error").GetString());
        }

        Assert.AreEqual(1, missing.Exit);
        StringAssert.Contains(missing.Error, "error (NotFound)");
        Assert.HasCount(1, new StateCache(Cache).EnumerateStates().ToList(), "The refused download was not cached.");
        foreach (var file in Directory.EnumerateFiles(Cache, "*", SearchOption.AllDirectories).Where(file => !file.Contains("blobs", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(signature, await File.ReadAllTextAsync(file, TestContext.CancellationToken), file);
        }

        foreach (var text in new[] { pulled.Output, pulled.Error, wrongHash.Output, wrongHash.Error })
        {
            Assert.DoesNotContain(signature, text);
        }
    }

    [TestMethod]
    [DataRow("--store|states|--url|http://127.0.0.1:1/x.pth", "mutually exclusive")]
    [DataRow("", "--store STORE, or --url URL")]
    [DataRow("--url|https://reader:Pa55wordInUrl@127.0.0.1:1/x.pth", "user name or password")]
    [DataRow("--url|ftp://reader:Pa55wordInUrl@127.0.0.1/x.pth", "its scheme is 'ftp'")]
    [DataRow("--url|models/x.pth", "absolute http:// or https://")]
    [DataRow("--url|http://127.0.0.1:1/x.pth|--path|model.onnx", "--url already names the file")]
    [DataRow("--url|http://127.0.0.1:1/x.pth|--setting|MaxRetries=0", "takes none")]
    [DataRow("--store|https://reader:Pa55wordInUrl@127.0.0.1:1/x.pth", "a web address, not a store")]
    public async Task Bad_sources_are_usage_errors_that_never_show_a_password(string arguments, string message)
    {
        var before = _server.Requests.Count;

        var result = await RunAsync(["pull", Key, .. arguments.Split('|', StringSplitOptions.RemoveEmptyEntries)]);

        Assert.AreEqual(2, result.Exit, result.Error);
        StringAssert.Contains(result.Error, message);
        Assert.DoesNotContain("Pa55wordInUrl", result.Error + result.Output);
        Assert.AreEqual(before, _server.Requests.Count);
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync([.. args, "--cache", Cache], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
