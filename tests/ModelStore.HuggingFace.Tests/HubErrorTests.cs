using ModelStore.Stores;

namespace ModelStore.HuggingFace.Tests;

/// <summary>The Hub's failures as the store reports them: typed, actionable, and never carrying the token.</summary>
[TestClass]
public sealed class HubErrorTests : HubTestBase
{
    [TestMethod]
    public async Task A_gated_repository_needs_a_granted_token_and_says_which_variable_to_set()
    {
        var repository = HubServer.NewRepository("gated", isGated: true);
        var bytes = RandomBytes(1000);
        Hub.CommitFile(repository, "model.safetensors", bytes);

        var anonymous = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ReadAsync(CreateStore(repository).ForFile("model.safetensors"), Resnet));
        var notGranted = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ReadAsync(CreateStore(repository, environment: WithToken()).ForFile("model.safetensors"), Resnet));
        Hub.GrantAccess(repository, Token);
        var granted = await ReadAsync(CreateStore(repository, environment: WithToken()).ForFile("model.safetensors"), Resnet);

        Assert.AreEqual(StateStoreError.AccessDenied, anonymous.Error);
        StringAssert.Contains(anonymous.Message, "is gated");
        StringAssert.Contains(anonymous.Message, "set HF_TOKEN");
        StringAssert.Contains(anonymous.Message, $"{Hub.Endpoint.AbsoluteUri}{repository}");
        Assert.AreEqual(StateStoreError.AccessDenied, notGranted.Error);
        StringAssert.Contains(notGranted.Message, "the token from HF_TOKEN has no access");
        Assert.DoesNotContain(Token, notGranted.Message);
        CollectionAssert.AreEqual(bytes, granted);
    }

    [TestMethod]
    public async Task A_private_or_missing_repository_is_access_denied_anonymously_and_container_not_found_with_a_token()
    {
        var repository = HubServer.NewRepository("private", isPrivate: true);
        Hub.CommitFile(repository, "states/pytorch/resnet18.cls1000.imagenet.pt", RandomBytes(100));

        var anonymous = await Assert.ThrowsExactlyAsync<StateStoreException>(() => CreateStore(repository, options => options.BasePath = "states").ExistsAsync(Resnet, Cancel));
        var hidden = await Assert.ThrowsExactlyAsync<StateStoreException>(() => CreateStore(repository, options => options.BasePath = "states", environment: WithToken()).GetStateKeysAsync(Resnet.StateType, Cancel));
        var missing = await Assert.ThrowsExactlyAsync<StateStoreException>(() => CreateStore("acme/does-not-exist", environment: WithToken()).ResolveRevisionAsync(Cancel));
        Hub.GrantAccess(repository, Token);
        var keys = await CreateStore(repository, options => options.BasePath = "states", environment: WithToken()).GetStateKeysAsync(Resnet.StateType, Cancel);

        Assert.AreEqual(StateStoreError.AccessDenied, anonymous.Error);
        StringAssert.Contains(anonymous.Message, "private or gated");
        StringAssert.Contains(anonymous.Message, "Set HF_TOKEN");
        Assert.AreEqual(StateStoreError.ContainerNotFound, hidden.Error);
        Assert.AreEqual(StateStoreError.ContainerNotFound, missing.Error);
        StringAssert.Contains(missing.Message, "acme/does-not-exist");
        CollectionAssert.AreEqual(new[] { Resnet }, keys.ToArray());
    }

    [TestMethod]
    public async Task A_refused_token_is_access_denied_without_the_token_in_the_message()
    {
        const string wrong = "hf_NotAValidTokenAtAll987654321";
        var repository = HubServer.NewRepository("refused");

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => CreateStore(repository, environment: WithToken(wrong)).ResolveRevisionAsync(Cancel));

        Assert.AreEqual(StateStoreError.AccessDenied, error.Error);
        StringAssert.Contains(error.Message, "the token from HF_TOKEN was refused");
        Assert.DoesNotContain(wrong, error.ToString());
    }

    [TestMethod]
    public async Task A_missing_file_is_not_found_and_lists_the_close_files()
    {
        var repository = HubServer.NewRepository("close");
        Hub.Commit(repository, new Dictionary<string, byte[]?>
        {
            ["model.safetensors"] = RandomBytes(10),
            ["onnx/model.onnx"] = RandomBytes(10),
            ["onnx/model_quantized.onnx"] = RandomBytes(10),
            ["tokenizer.json"] = RandomBytes(10),
        });
        var store = CreateStore(repository);

        var typo = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ForFile("model.safetensor").OpenReadAsync(Resnet, Cancel));
        var folder = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ForFile("model.onnx").OpenReadAsync(Resnet, Cancel));
        var exists = await store.ForFile("model.onnx").ExistsAsync(Resnet, Cancel);

        Assert.AreEqual(StateStoreError.NotFound, typo.Error);
        Assert.AreEqual(Resnet, typo.Key);
        StringAssert.Contains(typo.Message, "There is no file model.safetensor at revision main");
        StringAssert.Contains(typo.Message, "Close matches: model.safetensors");
        Assert.AreEqual(StateStoreError.NotFound, folder.Error);
        StringAssert.Contains(folder.Message, "Close matches: onnx/model.onnx");
        Assert.IsFalse(exists);
    }

    [TestMethod]
    public async Task A_long_rate_limit_is_reported_with_the_time_to_wait_from_either_header()
    {
        var repository = HubServer.NewRepository("limited");
        var store = CreateStore(repository);

        Hub.RateLimit(requests: 1, resetSeconds: 120);
        var withRetryAfter = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ResolveRevisionAsync(Cancel));
        Hub.RateLimit(requests: 1, resetSeconds: 55, retryAfterHeader: false);
        var withRateLimitOnly = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ForFile("x.pt").ExistsAsync(Resnet, Cancel));

        Assert.AreEqual(StateStoreError.RateLimited, withRetryAfter.Error);
        Assert.AreEqual(TimeSpan.FromSeconds(120), withRetryAfter.RetryAfter);
        StringAssert.Contains(withRetryAfter.Message, "retry in 120 s");
        StringAssert.Contains(withRetryAfter.Message, "set HF_TOKEN");
        Assert.AreEqual(StateStoreError.RateLimited, withRateLimitOnly.Error);
        Assert.AreEqual(TimeSpan.FromSeconds(55), withRateLimitOnly.RetryAfter);
    }

    [TestMethod]
    public async Task Short_rate_limits_and_server_errors_are_waited_out()
    {
        var repository = HubServer.NewRepository("transient");
        var commit = Hub.CommitFile(repository, "model.onnx", RandomBytes(100));
        var store = CreateStore(repository, options => options.MaxRateLimitWait = TimeSpan.FromSeconds(2));

        Hub.RateLimit(requests: 1, resetSeconds: 1);
        Assert.AreEqual(commit, await store.ResolveRevisionAsync(Cancel));
        Hub.FailNext(requests: 2, status: 503);
        Assert.IsTrue(await store.ForFile("model.onnx").ExistsAsync(Resnet, Cancel));
        Hub.FailNext(requests: 10, status: 503);
        var persistent = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ResolveRevisionAsync(Cancel));

        Assert.AreEqual(StateStoreError.Unreachable, persistent.Error);
        StringAssert.Contains(persistent.Message, "503");
    }

    [TestMethod]
    public async Task An_unreachable_hub_and_a_silent_one_fail_as_unreachable_and_timeout()
    {
        var repository = HubServer.NewRepository("silent");
        var closed = new Uri($"http://127.0.0.1:{FreePort()}/");
        var unreachable = CreateStore(repository, options => { options.Endpoint = closed; options.MaxRetries = 0; });
        var silent = CreateStore(repository, options => { options.RequestTimeout = TimeSpan.FromMilliseconds(300); options.MaxRetries = 0; });

        var refused = await Assert.ThrowsExactlyAsync<StateStoreException>(() => unreachable.ResolveRevisionAsync(Cancel));
        Hub.Stall = TimeSpan.FromSeconds(3);
        var timeout = await Assert.ThrowsExactlyAsync<StateStoreException>(() => silent.ResolveRevisionAsync(Cancel));

        Assert.AreEqual(StateStoreError.Unreachable, refused.Error);
        StringAssert.Contains(refused.Message, closed.Authority);
        Assert.AreEqual(StateStoreError.Timeout, timeout.Error);
        StringAssert.Contains(timeout.Message, "no answer within 0.3 s");
    }

    [TestMethod]
    public async Task A_silent_hub_fails_within_the_request_timeout_retries_included()
    {
        var repository = HubServer.NewRepository("silent-retried");
        var store = CreateStore(repository, options => { options.RequestTimeout = TimeSpan.FromSeconds(1); options.MaxRetries = 3; });
        Hub.Stall = TimeSpan.FromSeconds(5);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var timeout = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ResolveRevisionAsync(Cancel));

        // Before the shared transport policy, each of the 4 attempts had the whole second (and the retries waited between them).
        Assert.AreEqual(StateStoreError.Timeout, timeout.Error, timeout.Message);
        StringAssert.Contains(timeout.Message, "retries included");
        Assert.IsLessThan(2, clock.Elapsed.TotalSeconds, $"Took {clock.Elapsed}.");
    }

    [TestMethod]
    public void The_MaxRetries_setting_reaches_the_store()
    {
        var settings = new StateStoreSettings("hub", "HuggingFace", new Dictionary<string, string> { ["Repository"] = "acme/tiny", ["MaxRetries"] = "0", ["RequestTimeoutSeconds"] = "7" }, Path.GetTempPath());

        var options = new HuggingFaceStateStoreProvider().CreateOptions(settings);

        Assert.AreEqual(0, options.MaxRetries);
        Assert.AreEqual(TimeSpan.FromSeconds(7), options.RequestTimeout);
    }

    [TestMethod]
    [DataRow("HF_HUB_OFFLINE", "1")]
    [DataRow("TRANSFORMERS_OFFLINE", "yes")] // counts while HF_HUB_OFFLINE is unset
    public async Task An_offline_variable_stops_every_request_and_the_message_names_it(string variable, string value)
    {
        var repository = HubServer.NewRepository("offline-" + variable.ToLowerInvariant());
        var store = CreateStore(repository, environment: TestEnvironment.Of((variable, value), ("HF_TOKEN", Token)));
        var before = Hub.Requests.Count;

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ForFile("model.onnx").OpenReadAsync(Resnet, Cancel));

        Assert.AreEqual(StateStoreError.Unreachable, error.Error);
        StringAssert.Contains(error.Message, $"{variable} is set");
        Assert.AreEqual(before, Hub.Requests.Count);
    }

    [TestMethod]
    [DataRow(null, null, null)]
    [DataRow("1", null, "HF_HUB_OFFLINE")]
    [DataRow(" true ", "0", "HF_HUB_OFFLINE")]
    [DataRow("0", "1", null)] // huggingface_hub: HF_HUB_OFFLINE wins whenever it is set, so this is online
    [DataRow("no", "1", null)]
    [DataRow(null, "ON", "TRANSFORMERS_OFFLINE")]
    [DataRow("", "1", "TRANSFORMERS_OFFLINE")] // empty counts as unset, as `os.environ.get(...) or ...` does
    [DataRow(null, "0", null)]
    public void The_offline_variables_are_read_as_huggingface_hub_reads_them(string? hubOffline, string? transformersOffline, string? expected)
    {
        var environment = new Dictionary<string, string?> { ["HF_HUB_OFFLINE"] = hubOffline, ["TRANSFORMERS_OFFLINE"] = transformersOffline };

        Assert.AreEqual(expected, HuggingFaceStateStore.OfflineVariable(name => environment.GetValueOrDefault(name)));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
