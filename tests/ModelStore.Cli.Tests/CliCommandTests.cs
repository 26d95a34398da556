using System.Security.Cryptography;
using System.Text.Json;
using ModelStore.Caching;
using ModelStore.Cli;
using ModelStore.States;

namespace ModelStore.Cli.Tests;

/// <summary>The commands users of huggingface-cli and dvc expect: rm, cache, export, restore, env, --json, --quiet, exit codes.</summary>
[TestClass]
public sealed class CliCommandTests
{
    private const string Key = "pytorch/mlp.digits.v1";

    private string _work = null!;
    private string _store = null!;
    private string _cache = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateFolders()
    {
        _work = Directory.CreateTempSubdirectory("modelstore-cli-commands-").FullName;
        _store = Path.Combine(_work, "store");
        _cache = Path.Combine(_work, "cache");
        Directory.CreateDirectory(_store);
    }

    [TestCleanup]
    public void DeleteFolders() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    [DataRow("frobnicate")]
    [DataRow("pull")]
    [DataRow("list --store x --type pytorch/a --no-such-option")]
    public async Task Usage_errors_exit_2_and_point_to_the_help(string command)
    {
        var result = await RunAsync(command.Split(' '));

        Assert.AreEqual(2, result.Exit, result.Error);
        StringAssert.Contains(result.Error, "modelstore --help");
    }

    [TestMethod]
    public async Task An_unknown_command_is_named_alone_without_a_second_error_about_a_missing_command()
    {
        var result = await RunAsync("frobnicate");

        Assert.AreEqual(2, result.Exit, result.Error);
        var errors = result.Error.Split('\n').Where(line => line.StartsWith("error", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, errors, result.Error);
        StringAssert.Contains(errors[0], "'frobnicate'");
    }

    [TestMethod]
    public async Task The_help_names_the_tool_as_users_type_it()
    {
        var help = await RunAsync("--help");

        Assert.AreEqual(0, help.Exit);
        StringAssert.Contains(help.Output, "modelstore [command] [options]");
        Assert.IsFalse(help.Output.Contains("ModelStore.Cli", StringComparison.Ordinal), help.Output);
        foreach (var command in new[] { "list", "pull", "push", "export", "rm", "cache", "verify", "clean", "restore", "mirror", "env" })
        {
            StringAssert.Contains(help.Output, $"  {command} ");
        }
    }

    [TestMethod]
    public async Task A_missing_local_folder_is_an_error_that_says_so()
    {
        var missing = Path.Combine(_work, "no-such-folder");

        var listed = await RunAsync("list", "--store", missing, "--type", "pytorch/mlp");
        var pulled = await RunAsync("pull", Key, "--store", missing);

        Assert.AreEqual(1, listed.Exit);
        StringAssert.Contains(listed.Error, "error (ContainerNotFound)");
        StringAssert.Contains(listed.Error, "does not exist");
        Assert.AreEqual(1, pulled.Exit);
        StringAssert.Contains(pulled.Error, missing);
    }

    [TestMethod]
    public async Task Verbose_logs_the_cache_on_the_error_stream_and_keeps_the_output_clean()
    {
        var bytes = await PushAsync(Key, 5000);

        var fetched = await RunAsync("pull", Key, "--store", _store, "--verbose");
        var quiet = await RunAsync("pull", Key, "--store", _store, "--json");
        var hit = await RunAsync("pull", Key, "--store", _store, "-v", "--json");

        Assert.AreEqual(0, quiet.Exit, quiet.Error);
        Assert.DoesNotContain("modelstore: ", quiet.Error);
        Assert.AreEqual(0, fetched.Exit, fetched.Error);
        StringAssert.Contains(fetched.Error, $"modelstore: info: {Key}: not in the cache, fetching from the local store.");
        StringAssert.Contains(fetched.Error, $"modelstore: info: {Key}: fetched {bytes.Length} bytes in ");
        Assert.DoesNotContain("modelstore: ", fetched.Output);
        Assert.AreEqual(0, hit.Exit, hit.Error);
        StringAssert.Contains(hit.Error, $"modelstore: debug: {Key}: served by the cache (local store).");
        using var document = JsonDocument.Parse(hit.Output);
        Assert.AreEqual(Key, document.RootElement.GetProperty("key").GetString());
    }

    [TestMethod]
    public async Task A_misspelt_or_mistyped_setting_is_a_usage_error_naming_the_close_match_before_any_request()
    {
        var misspelt = await RunAsync("list", "--store", "s3://models", "--setting", "ServiceUrl=http://127.0.0.1:1", "--setting", "RequestTimeoutSecond=5", "--type", "pytorch/mlp");
        var mistyped = await RunAsync("pull", Key, "--store", "github:mozuma/mozuma", "--setting", "MaxRetries=three");
        var secret = await RunAsync("pull", Key, "--store", "hf:acme/tiny", "--setting", "Token=hf_CliSecret123");
        var local = await RunAsync("pull", Key, "--store", _store, "--setting", "Foldr=elsewhere");

        Assert.AreEqual(2, misspelt.Exit, misspelt.Error);
        StringAssert.Contains(misspelt.Error, "the setting 'RequestTimeoutSecond' is unknown: did you mean RequestTimeoutSeconds?");
        Assert.AreEqual(2, mistyped.Exit, mistyped.Error);
        StringAssert.Contains(mistyped.Error, "setting 'MaxRetries' must be a non-negative whole number, not 'three'");
        Assert.AreEqual(2, secret.Exit, secret.Error);
        StringAssert.Contains(secret.Error, "'Token' is a credential");
        Assert.DoesNotContain("hf_CliSecret123", secret.Error);
        Assert.AreEqual(2, local.Exit, local.Error);
        StringAssert.Contains(local.Error, "did you mean Folder?");
        Assert.IsFalse(Directory.Exists(_cache) && Directory.EnumerateFiles(_cache, "*", SearchOption.AllDirectories).Any(), "Nothing was fetched.");
    }

    [TestMethod]
    public async Task Json_output_carries_the_result_and_errors_are_json_too()
    {
        var bytes = await PushAsync(Key, 5000);

        var pulled = await RunAsync("pull", Key, "--store", _store, "--json");
        var missing = await RunAsync("pull", "pytorch/mlp.digits.v9", "--store", _store, "--json");

        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        using var document = JsonDocument.Parse(pulled.Output);
        Assert.AreEqual(Key, document.RootElement.GetProperty("key").GetString());
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), document.RootElement.GetProperty("sha256").GetString());
        Assert.IsTrue(File.Exists(document.RootElement.GetProperty("path").GetString()));
        Assert.AreEqual(string.Empty, pulled.Error, "No progress bar in JSON mode.");
        Assert.AreEqual(1, missing.Exit);
        using var error = JsonDocument.Parse(missing.Error);
        Assert.AreEqual("NotFound", error.RootElement.GetProperty("error").GetString());
        Assert.AreEqual(1, error.RootElement.GetProperty("exitCode").GetInt32());
    }

    [TestMethod]
    public async Task Quiet_pulls_print_the_result_and_nothing_else()
    {
        await PushAsync(Key, 5000);

        var pulled = await RunAsync("pull", Key, "--store", _store, "--quiet");

        Assert.AreEqual(0, pulled.Exit);
        Assert.AreEqual(string.Empty, pulled.Error);
        StringAssert.Contains(pulled.Output, Key);
    }

    [TestMethod]
    public async Task Cache_lists_sizes_use_and_the_total_and_rm_removes_one_entry()
    {
        await PushAsync(Key, 5000);
        await PushAsync("pytorch/mlp.digits.v2", 3000);
        await RunAsync("pull", Key, "--store", _store);
        await RunAsync("pull", "pytorch/mlp.digits.v2", "--store", _store);

        var listed = await RunAsync("cache");
        var json = await RunAsync("cache", "--json");
        var removed = await RunAsync("rm", Key, "--store", _store);
        var again = await RunAsync("rm", Key, "--store", _store);
        var after = await RunAsync("cache", "--json");

        Assert.AreEqual(0, listed.Exit);
        StringAssert.Contains(listed.Output, "5.0 KB");
        StringAssert.Contains(listed.Output, "fetched just now");
        StringAssert.Contains(listed.Output, "2 states, 8.0 KB on disk");
        using (var document = JsonDocument.Parse(json.Output))
        {
            Assert.AreEqual(8000, document.RootElement.GetProperty("sizeOnDisk").GetInt64());
            Assert.AreEqual(2, document.RootElement.GetProperty("states").GetArrayLength());
            Assert.IsTrue(document.RootElement.GetProperty("states")[0].TryGetProperty("lastUsedUtc", out _));
        }

        Assert.AreEqual(0, removed.Exit, removed.Error);
        StringAssert.Contains(removed.Output, "Freed 5.0 KB");
        Assert.AreEqual(1, again.Exit);
        StringAssert.Contains(again.Error, "error (NotFound)");
        using (var document = JsonDocument.Parse(after.Output))
        {
            Assert.AreEqual("pytorch/mlp.digits.v2", document.RootElement.GetProperty("states")[0].GetProperty("key").GetString());
            Assert.AreEqual(1, document.RootElement.GetProperty("count").GetInt32());
        }
    }

    [TestMethod]
    public async Task Export_writes_a_plain_file_with_the_cached_bytes()
    {
        var bytes = await PushAsync(Key, 7000);
        var target = Path.Combine(_work, "exported");

        var fromStore = await RunAsync("export", Key, "--to", target, "--store", _store);
        File.Delete(Path.Combine(target, "pytorch.mlp.digits.v1.pt"));
        var fromCache = await RunAsync("export", Key, "--to", target);
        var missing = await RunAsync("export", "pytorch/mlp.digits.v7", "--to", target);

        Assert.AreEqual(0, fromStore.Exit, fromStore.Error);
        Assert.AreEqual(0, fromCache.Exit, fromCache.Error);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(Path.Combine(target, "pytorch.mlp.digits.v1.pt"), TestContext.CancellationToken));
        Assert.AreEqual(Path.Combine(target, "pytorch.mlp.digits.v1.pt"), fromCache.Output.Trim());
        Assert.AreEqual(1, missing.Exit);
        StringAssert.Contains(missing.Error, "not in the cache");
    }

    [TestMethod]
    public async Task Env_says_which_credentials_are_set_but_never_their_values()
    {
        const string secret = "ghp_EnvSecretValue0123456789";
        Environment.SetEnvironmentVariable("GH_TOKEN", secret);
        try
        {
            var env = await RunAsync("env");
            var json = await RunAsync("env", "--json");

            Assert.AreEqual(0, env.Exit);
            StringAssert.Contains(env.Output, _cache);
            StringAssert.Contains(env.Output, "S3");
            StringAssert.Contains(env.Output, "GitHub");
            StringAssert.Matches(env.Output, new System.Text.RegularExpressions.Regex(@"GH_TOKEN\s+set"));
            StringAssert.Matches(env.Output, new System.Text.RegularExpressions.Regex(@"HF_TOKEN\s+not set"));
            Assert.IsFalse(env.Output.Contains(secret, StringComparison.Ordinal) || json.Output.Contains(secret, StringComparison.Ordinal));
            using var document = JsonDocument.Parse(json.Output);
            Assert.IsTrue(document.RootElement.GetProperty("variables").EnumerateArray().Single(v => v.GetProperty("name").GetString() == "GH_TOKEN").GetProperty("set").GetBoolean());
        }
        finally
        {
            Environment.SetEnvironmentVariable("GH_TOKEN", null);
        }
    }

    [TestMethod]
    public async Task Restore_fills_the_cache_from_a_lock_file_and_checks_every_hash()
    {
        var bytes = await PushAsync(Key, 6000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var project = Path.Combine(_work, "app");
        Directory.CreateDirectory(project);
        File.Copy(Path.Combine(_store, "pytorch.mlp.digits.v1.pt"), Path.Combine(project, "pytorch.mlp.digits.v1.pt"));
        Directory.CreateDirectory(Path.Combine(project, "states"));
        File.Move(Path.Combine(project, "pytorch.mlp.digits.v1.pt"), Path.Combine(project, "states", "pytorch.mlp.digits.v1.pt"));
        await File.WriteAllTextAsync(Path.Combine(project, "app.csproj"), "<Project />", TestContext.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(project, "modelstates.lock.json"), $$"""
            {
              "version": 1,
              "states": {
                "{{Key}}": { "store": "local", "sha256": "{{sha}}", "size": {{bytes.Length}} }
              },
              "stores": {
                "local": { "kind": "Local", "settings": { "Folder": "states" } }
              }
            }
            """, TestContext.CancellationToken);

        var restored = await RunAsync("restore", Path.Combine(project, "app.csproj"));
        var warm = await RunAsync("restore", project);

        Assert.AreEqual(0, restored.Exit, restored.Error);
        StringAssert.Contains(restored.Output, "1 fetched, 0 already cached, 0 failed");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(new StateCache(_cache).GetBlobPath(sha), TestContext.CancellationToken));
        StringAssert.Contains(warm.Output, "0 fetched, 1 already cached");

        // The store's bytes changed since the lock file was written: the restore refuses them.
        await File.WriteAllBytesAsync(Path.Combine(project, "states", "pytorch.mlp.digits.v1.pt"), [9, 9, 9], TestContext.CancellationToken);
        File.Delete(new StateCache(_cache).GetBlobPath(sha));
        var drifted = await RunAsync("restore", project);
        Assert.AreEqual(1, drifted.Exit);
        StringAssert.Contains(drifted.Error, "error (IntegrityMismatch)");
    }

    [TestMethod]
    public async Task Restore_fetches_url_states_from_their_recorded_address()
    {
        await using var server = await ModelStore.Testing.LoopbackFileServer.StartAsync();
        var bytes = RandomNumberGenerator.GetBytes(9000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var url = server.Put("models/resnet18.pth", bytes);
        var folder = Path.Combine(_work, "url-app");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "modelstates.lock.json"), $$"""
            { "version": 1, "states": { "pytorch/resnet18.cls1000.torchvision": { "store": "url:{{url}}", "sha256": "{{sha}}", "size": {{bytes.Length}} } } }
            """, TestContext.CancellationToken);

        var restored = await RunAsync("restore", folder);

        Assert.AreEqual(0, restored.Exit, restored.Error);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(new StateCache(_cache).GetBlobPath(sha), TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Restore_of_a_lock_file_without_store_definitions_is_a_usage_error()
    {
        var folder = Path.Combine(_work, "old");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "modelstates.lock.json"), $$"""{ "version": 1, "states": { "{{Key}}": { "store": "local", "sha256": "{{new string('a', 64)}}", "size": 1 } } }""", TestContext.CancellationToken);

        var result = await RunAsync("restore", folder);
        var none = await RunAsync("restore", Path.Combine(_work, "nowhere"));

        Assert.AreEqual(2, result.Exit);
        StringAssert.Contains(result.Error, "no store definitions");
        Assert.AreEqual(2, none.Exit);
        StringAssert.Contains(none.Error, "no lock file");
    }

    [TestMethod]
    public async Task Clean_removes_partial_downloads_no_process_holds_and_keeps_held_ones()
    {
        var cache = new StateCache(_cache);
        var abandonedKey = StateKey.Parse("pytorch/mlp.digits.v3");
        var heldKey = StateKey.Parse("pytorch/mlp.digits.v4");
        var abandoned = cache.GetDownloadPath("local:/x", abandonedKey);
        var held = cache.GetDownloadPath("local:/x", heldKey);
        Directory.CreateDirectory(Path.GetDirectoryName(abandoned)!);
        await File.WriteAllBytesAsync(abandoned, new byte[4000], TestContext.CancellationToken);
        await File.WriteAllBytesAsync(abandoned + ".journal", [1], TestContext.CancellationToken);
        await File.WriteAllBytesAsync(held, new byte[3000], TestContext.CancellationToken);
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow);
        var legacy = Path.Combine(Path.GetDirectoryName(abandoned)!, $"{Guid.NewGuid():N}.partial");
        await File.WriteAllBytesAsync(legacy, new byte[1000], TestContext.CancellationToken);

        // A live fetch of heldKey holds its state's lock, as a running pull or build does.
        using (var fetch = await CrossProcessLock.AcquireAsync(Path.Combine(_cache, "locks", Path.GetFileName(held)[..16] + ".lock"), TimeSpan.FromSeconds(5), TestContext.CancellationToken))
        {
            var cleaned = await RunAsync("clean");

            Assert.AreEqual(0, cleaned.Exit, cleaned.Error);
            StringAssert.Contains(cleaned.Output, "Freed 5.0 KB");
            Assert.IsFalse(File.Exists(abandoned), "A recent partial no process holds is removed (the lock decides, not the age).");
            Assert.IsFalse(File.Exists(abandoned + ".journal"));
            Assert.IsFalse(File.Exists(legacy));
            Assert.IsTrue(File.Exists(held), "The partial of a running fetch stays.");
        }

        await RunAsync("clean");
        Assert.IsFalse(File.Exists(held));
    }

    [TestMethod]
    public async Task A_killed_stream_fetch_leaves_one_partial_that_the_next_fetch_replaces()
    {
        await PushAsync(Key, 5000);
        var cache = new StateCache(_cache);
        var store = new ModelStore.Stores.LocalStateStore(_store);
        using var interrupt = new CancellationTokenSource();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await Assert.ThrowsAsync<IOException>(() => cache.GetOrFetchAsync(store.Id, StateKey.Parse(Key), async token => new FailingStream(await store.OpenReadAsync(StateKey.Parse(Key), token)), cancellationToken: TestContext.CancellationToken));
        }

        Assert.IsEmpty(Directory.GetFiles(Path.Combine(_cache, "tmp")), "A failed fetch discards its partial file.");

        // What kill -9 leaves: the state's one partial file, which the next fetch (under the state's lock) replaces.
        var killed = Path.Combine(_cache, "tmp", Path.GetFileName(cache.GetDownloadPath(store.Id, StateKey.Parse(Key)))[..16] + ".partial");
        await File.WriteAllBytesAsync(killed, new byte[123], TestContext.CancellationToken);
        var pulled = await RunAsync("pull", Key, "--store", _store);

        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(_cache, "tmp")));
    }

    private async Task<byte[]> PushAsync(string key, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var file = Path.Combine(_work, $"{Guid.NewGuid():N}.pt");
        await File.WriteAllBytesAsync(file, bytes, TestContext.CancellationToken);
        var pushed = await RunAsync("push", file, key, "--store", _store);
        Assert.AreEqual(0, pushed.Exit, pushed.Error);
        return bytes;
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync([.. args, "--cache", _cache], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Fails after the first read, as a dropped connection does.</summary>
    private sealed class FailingStream(Stream inner) : Stream
    {
        private bool _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read)
            {
                throw new IOException("cut");
            }

            _read = true;
            return inner.Read(buffer, offset, Math.Min(count, 100));
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _read ? throw new IOException("cut") : ReadOnceAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            inner.Dispose();
            base.Dispose(disposing);
        }

        private async ValueTask<int> ReadOnceAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            _read = true;
            return await inner.ReadAsync(buffer[..100], cancellationToken);
        }
    }
}
