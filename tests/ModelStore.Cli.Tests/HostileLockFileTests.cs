using System.Diagnostics;
using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.Cli;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Cli.Tests;

/// <summary>
/// <c>modelstore restore</c> of a lock file written by an attacker (docs/security.md): it names code, redirects each store
/// kind to a host that records what it receives, uses plain http, hides terminal escapes, and walks out of folders. The
/// CLI runs as a child process whose environment holds real-looking credentials, as on a CI machine.
/// </summary>
[TestClass]
public sealed class HostileLockFileTests
{
    private const string Key = "pytorch/tiny-mlp.digits.v1";
    private const string HfToken = "hf_HostileSuiteToken0000000000";
    private const string GhToken = "ghp_HostileSuiteToken000000000";
    private const string AwsKey = "AKIAHOSTILESUITE0000";
    private const string AwsSecret = "HostileSuiteAwsSecret000000000000000000";
    private const string AwsSession = "HostileSuiteSessionToken000000";
    private const string AzureKey = "SG9zdGlsZVN1aXRlQXp1cmVLZXk=";

    private static readonly string[] Secrets = [HfToken, GhToken, AwsKey, AwsSecret, AwsSession, AzureKey];

    private string _work = null!;

    public TestContext TestContext { get; set; } = null!;

    private string Cache => Path.Combine(_work, "cache");

    private string Marker => Path.Combine(_work, "loaded.marker");

    [TestInitialize]
    public void CreateFolder() => _work = Directory.CreateTempSubdirectory("modelstore-hostile-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    [DataRow("Acme", 2)]
    [DataRow("Local", 0)]
    public async Task A_lock_file_naming_a_provider_assembly_loads_nothing(string kind, int exit)
    {
        var sha = Publish(Path.Combine(_work, "states"), Key, 3000);
        PlantProviderAssembly();
        WriteLockFile(Entry(Key, "vendor", sha, 3000), Store("vendor", kind, ("Folder", "states"), ("ProviderType", typeof(LoadProbeProvider).FullName!), ("ProviderAssembly", "tools/models.dll")));

        var result = await RunChildAsync("restore", _work);

        Assert.AreEqual(exit, result.Exit, result.ToString());
        Assert.IsFalse(File.Exists(Marker), "The assembly the lock file names was loaded: " + result);
        if (exit == 2)
        {
            StringAssert.Contains(result.Error, "--provider");
            Assert.IsFalse(Directory.Exists(Path.Combine(Cache, "blobs")), "Nothing was fetched.");
        }
    }

    [TestMethod]
    public async Task The_provider_the_user_names_on_the_command_line_is_loaded()
    {
        // The probe can fail: the same assembly, named by the user, is loaded and serves the state.
        var sha = Publish(Path.Combine(_work, "states"), Key, 3000);
        PlantProviderAssembly();
        WriteLockFile(Entry(Key, "vendor", sha, 3000), Store("vendor", "Acme", ("Folder", "states")));

        var result = await RunChildAsync("restore", _work, "--provider", $"{typeof(LoadProbeProvider).FullName}, {Path.Combine(_work, "tools", "models.dll")}");

#if NATIVE_TOOL
        // The native tool loads no assembly: it says so, names the two ways that do, and fetches nothing.
        Assert.AreEqual(2, result.Exit, result.ToString());
        StringAssert.Contains(result.Error, "compiled ahead of time");
        StringAssert.Contains(result.Error, "ModelStore.Cli.any");
        Assert.IsFalse(File.Exists(Marker));
        Assert.IsFalse(File.Exists(new StateCache(Cache).GetBlobPath(sha)));
#else
        Assert.AreEqual(0, result.Exit, result.ToString());
        Assert.IsTrue(File.Exists(Marker));
        Assert.IsTrue(File.Exists(new StateCache(Cache).GetBlobPath(sha)));
#endif
    }

    [TestMethod]
    [DataRow("HuggingFace", "Endpoint", "", "Repository=acme/models")]
    [DataRow("GitHub", "BaseAddress", "", "Owner=acme;Repository=models")]
    [DataRow("S3", "ServiceUrl", "", "Bucket=models")]
    [DataRow("AzureBlob", "ServiceUri", "devstoreaccount1", "Container=models")]
    public async Task A_lock_file_cannot_send_credentials_to_an_address_it_names(string kind, string setting, string path, string others)
    {
        await using var attacker = await RecordingServer.StartAsync();
        var settings = others.Split(';').Select(pair => (pair.Split('=')[0], pair.Split('=')[1])).Append((setting, new Uri(attacker.BaseAddress, path).AbsoluteUri)).ToArray();
        WriteLockFile(Entry(Key, "team", new string('a', 64), 3000), Store("team", kind, settings));

        var result = await RunChildAsync("restore", _work);

        Assert.AreEqual(2, result.Exit, result.ToString());
        StringAssert.Contains(result.Error, $"--store-setting \"team:{setting}=");
        Assert.IsEmpty(attacker.Requests, "The lock file's address was contacted: " + string.Join(", ", attacker.Requests.Select(request => request.PathAndQuery)));
        Assert.IsFalse(Secrets.Any(secret => result.Output.Contains(secret, StringComparison.Ordinal) || result.Error.Contains(secret, StringComparison.Ordinal)));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task An_address_the_user_confirms_gets_the_credentials(bool byOption)
    {
        // The listener can fail the test above: once the user confirms the address, the token does go there.
        await using var hub = await RecordingServer.StartAsync();
        var endpoint = hub.BaseAddress.AbsoluteUri;
        WriteLockFile(Entry(Key, "hub", new string('a', 64), 3000), Store("hub", "HuggingFace", ("Repository", "acme/models"), ("Endpoint", endpoint)));

        var result = byOption
            ? await RunChildAsync("restore", _work, "--store-setting", $"hub:Endpoint={endpoint}")
            : await RunChildAsync(["restore", _work], ("HF_ENDPOINT", endpoint));

        Assert.AreEqual(1, result.Exit, result.ToString());
        Assert.IsTrue(hub.Received($"Bearer {HfToken}"), string.Join(", ", hub.Requests.Select(request => request.PathAndQuery)));
        Assert.IsFalse(result.Error.Contains(HfToken, StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task Plain_http_to_another_machine_is_refused_even_when_confirmed()
    {
        WriteLockFile(Entry(Key, "hub", new string('a', 64), 3000), Store("hub", "HuggingFace", ("Repository", "acme/models"), ("Endpoint", "http://models.example.com/")));

        var result = await RunChildAsync("restore", _work, "--store-setting", "hub:Endpoint=http://models.example.com/");

        Assert.AreEqual(2, result.Exit, result.ToString());
        StringAssert.Contains(result.Error, "plain http:// address of another machine");
    }

    [TestMethod]
    [DataRow("store")]
    [DataRow("setting")]
    [DataRow("path")]
    public async Task Control_characters_in_a_lock_file_are_an_error_that_never_reaches_the_terminal(string where)
    {
        var escape = "x\u001b[2J\u001b]0;pwned\u0007";
        var store = where == "store" ? "team" + escape : "team";
        var entry = Entry(Key, store, new string('a', 64), 3000, where == "path" ? escape : null);
        WriteLockFile(entry, Store(store, "Local", ("Folder", where == "setting" ? escape : "states")));

        var result = await RunChildAsync("restore", _work);

        Assert.AreEqual(2, result.Exit, result.ToString());
        Assert.IsFalse(result.Error.Contains('\u001b', StringComparison.Ordinal) || result.Output.Contains('\u001b', StringComparison.Ordinal), "An escape sequence reached the terminal.");
        StringAssert.Contains(result.Error, "\\u001B");
    }

    [TestMethod]
    [DataRow("pytorch/../../etc.passwd", null)]
    [DataRow(Key, "../../../outside.pt")]
    [DataRow(Key, "a/../../b.pt")]
    [DataRow(Key, "/etc/passwd")]
    public async Task Traversal_in_a_key_or_a_path_is_refused_and_nothing_is_written_outside_the_cache(string key, string? path)
    {
        Publish(Path.Combine(_work, "states"), Key, 3000);
        WriteLockFile(Entry(key, "local", new string('a', 64), 3000, path), Store("local", "Local", ("Folder", "states")));
        var before = FilesOutsideCache();

        var result = await RunChildAsync("restore", _work);

        Assert.AreEqual(2, result.Exit, result.ToString());
        CollectionAssert.AreEquivalent(before, FilesOutsideCache());
    }

    [TestMethod]
    public async Task A_pre_signed_url_state_is_restored_from_its_real_address()
    {
        await using var server = await RecordingServer.StartAsync();
        var bytes = RandomNumberGenerator.GetBytes(5000);
        var url = server.Put("files/w.pth?X-Amz-Credential=cred&X-Amz-Signature=abc123SignatureValue", bytes);
        var key = StateKey.Parse(Key);
        var entry = new StateLockEntry(key, new UrlStateStore(key, url).Id, Sha(bytes), bytes.Length) { Url = url };
        await File.WriteAllBytesAsync(Path.Combine(_work, StateLockFile.FileName), StateLockFileFormat.Format(new StateLockFile([entry])), TestContext.CancellationToken);

        var result = await RunChildAsync("restore", _work);

        Assert.AreEqual(0, result.Exit, result.ToString());
        Assert.IsTrue(server.Received("X-Amz-Signature=abc123SignatureValue"));
        Assert.IsFalse(server.Received(UrlRedactionPlaceholder), "The redacted address was requested.");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(new StateCache(Cache).GetBlobPath(Sha(bytes)), TestContext.CancellationToken));
        Assert.IsFalse(result.Output.Contains("abc123SignatureValue", StringComparison.Ordinal) || result.Error.Contains("abc123SignatureValue", StringComparison.Ordinal), "The signature was printed.");
    }

    [TestMethod]
    public async Task A_lock_file_of_an_older_build_with_only_the_redacted_address_requests_nothing()
    {
        await using var server = await RecordingServer.StartAsync();
        var url = new Uri(server.BaseAddress, "files/w.pth?X-Amz-Signature=abc123SignatureValue");
        var store = new UrlStateStore(StateKey.Parse(Key), url).Id;
        await File.WriteAllTextAsync(Path.Combine(_work, StateLockFile.FileName), $$"""{ "version": 1, "states": { "{{Key}}": { "store": "{{store}}", "sha256": "{{new string('a', 64)}}", "size": 1 } } }""", TestContext.CancellationToken);

        var result = await RunChildAsync("restore", _work);

        Assert.AreEqual(2, result.Exit, result.ToString());
        StringAssert.Contains(result.Error, "has no \"url\"");
        Assert.IsEmpty(server.Requests);
    }

    private const string UrlRedactionPlaceholder = Downloads.UrlRedaction.Placeholder;

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Publish(string folder, string key, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, LocalStateStore.GetFileName(StateKey.Parse(key))), bytes);
        return Sha(bytes);
    }

    private static string Entry(string key, string store, string sha, long size, string? path = null) =>
        $$"""    {{Json(key)}}: { "store": {{Json(store)}}, {{(path is null ? "" : $"\"path\": {Json(path)}, ")}}"sha256": "{{sha}}", "size": {{size}} }""";

    private static string Store(string name, string kind, params (string Name, string Value)[] settings) =>
        $$"""    {{Json(name)}}: { "kind": "{{kind}}", "settings": { {{string.Join(", ", settings.Select(setting => $"{Json(setting.Name)}: {Json(setting.Value)}"))}} } }""";

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private void WriteLockFile(string entry, string store) =>
        File.WriteAllText(Path.Combine(_work, StateLockFile.FileName), $"{{\n  \"version\": 1,\n  \"states\": {{\n{entry}\n  }},\n  \"stores\": {{\n{store}\n  }}\n}}\n");

    // tools/models.dll: a real assembly holding a provider whose loading leaves a marker.
    private void PlantProviderAssembly()
    {
        Directory.CreateDirectory(Path.Combine(_work, "tools"));
        File.Copy(typeof(LoadProbeProvider).Assembly.Location, Path.Combine(_work, "tools", "models.dll"));
    }

    // The project's files (the cache aside), and the files a traversal from it would name.
    private string[] FilesOutsideCache() =>
        [.. Directory.EnumerateFiles(_work, "*", SearchOption.AllDirectories).Where(file => !file.StartsWith(Cache + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Concat(new[] { "outside.pt", "b.pt", "etc.passwd" }.SelectMany(name => new[] { Path.Combine(_work, "..", name), Path.Combine(_work, "..", "..", name), Path.Combine(_work, "..", "..", "..", name) }).Where(File.Exists))];

    private Task<ChildResult> RunChildAsync(params string[] args) => RunChildAsync(args, []);

    // The CLI as its own process, with credentials in its environment as on a CI machine.
    private async Task<ChildResult> RunChildAsync(string[] args, params (string Name, string Value)[] environment)
    {
        var start = ModelStore.Testing.ModelStoreTool.StartInfo(args.Append("--cache").Append(Cache));
        start.WorkingDirectory = _work;

        start.Environment["HF_TOKEN"] = HfToken;
        start.Environment["GH_TOKEN"] = GhToken;
        start.Environment["AWS_ACCESS_KEY_ID"] = AwsKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = AwsSecret;
        start.Environment["AWS_SESSION_TOKEN"] = AwsSession;
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["AZURE_STORAGE_CONNECTION_STRING"] = $"DefaultEndpointsProtocol=https;AccountName=hostile;AccountKey={AzureKey};EndpointSuffix=core.windows.net";
        start.Environment["MODELSTORE_TEST_LOAD_MARKER"] = Marker;
        start.Environment.Remove("HF_ENDPOINT");
        start.Environment.Remove("AWS_ENDPOINT_URL");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new ChildResult(process.ExitCode, await output, await error);
    }

    private sealed record ChildResult(int Exit, string Output, string Error)
    {
        public override string ToString() => $"exit {Exit}\n{Output}\n{Error}";
    }
}
