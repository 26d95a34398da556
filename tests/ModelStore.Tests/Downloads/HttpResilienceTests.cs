using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ModelStore.Downloads;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests.Downloads;

/// <summary>Bounded waits and retries of the HTTP-based stores (Polly), against a real Kestrel server and a silent socket.</summary>
[TestClass]
public sealed class HttpResilienceTests
{
    private static LoopbackFileServer _server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => _server = await LoopbackFileServer.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await _server.DisposeAsync();

    [TestInitialize]
    public void Reset()
    {
        _server.CutConnections = 0;
        _server.Stall = TimeSpan.Zero;
    }

    [TestMethod]
    public async Task A_get_that_meets_server_errors_is_retried_until_it_succeeds()
    {
        var uri = _server.Put("retry/file.bin", [1, 2, 3]);
        _server.FailNext("retry/file.bin", 503, 2);
        using var client = Client(new HttpResilienceOptions { MaxRetries = 3, RetryDelay = TimeSpan.FromMilliseconds(10) });
        var before = _server.Requests.Count;

        using var response = await client.GetAsync(uri, TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, await response.Content.ReadAsByteArrayAsync(TestContext.CancellationToken));
        Assert.AreEqual(3, _server.Requests.Skip(before).Count(request => request.Path == "retry/file.bin"), "Two 503s, then the file.");
    }

    [TestMethod]
    public async Task No_retry_is_made_when_MaxRetries_is_zero_nor_for_an_upload()
    {
        var uri = _server.Put("once/file.bin", [1]);
        _server.FailNext("once/file.bin", 503, 5);
        using var client = Client(new HttpResilienceOptions { MaxRetries = 0 });
        using var retrying = Client(new HttpResilienceOptions { MaxRetries = 3, RetryDelay = TimeSpan.FromMilliseconds(10) });
        var before = _server.Requests.Count;

        using var get = await client.GetAsync(uri, TestContext.CancellationToken);
        using var post = await retrying.PostAsync(uri, new ByteArrayContent([1]), TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, get.StatusCode);
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, post.StatusCode);
        Assert.AreEqual(2, _server.Requests.Skip(before).Count(), "One GET, one POST, no retry.");
        _server.StopFailing("once/file.bin");
    }

    [TestMethod]
    public async Task A_rate_limit_asking_for_a_long_wait_is_returned_not_waited_out()
    {
        var uri = _server.Put("limited/file.bin", [1]);
        _server.FailWith("limited/file.bin", 429);
        using var client = Client(new HttpResilienceOptions { MaxRetries = 3, RetryDelay = TimeSpan.FromMilliseconds(10) });

        // Retry-After: 1 is short: retried; the answer stays 429 and is handed back after the retries.
        using var response = await client.GetAsync(uri, TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.TooManyRequests, response.StatusCode);
        _server.StopFailing("limited/file.bin");
    }

    [TestMethod]
    public async Task A_silent_server_is_a_timeout_within_the_request_bound_retries_included()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                held.Add(await silent.AcceptTcpClientAsync(TestContext.CancellationToken));
            }
        });
        using var client = Client(new HttpResilienceOptions { RequestTimeout = TimeSpan.FromSeconds(1), MaxRetries = 3 });
        var source = new HttpRangeSource(client, new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/state.pt"));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => source.GetObjectAsync(TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.Timeout, error.Error, error.Message);
        Assert.IsLessThan(8, clock.Elapsed.TotalSeconds, $"A 1 s bound took {clock.Elapsed}.");
        silent.Stop();
        held.ForEach(connection => connection.Dispose());
    }

    [TestMethod]
    public async Task A_url_read_cut_mid_body_is_a_store_error()
    {
        var key = StateKey.Parse("pytorch/resnet18.cls1000.cut");
        var uri = _server.Put("cut/state.pt", new byte[2_000_000]);
        _server.CutAfterBytes = 100_000;
        _server.CutConnections = 1;
        var store = new UrlStateStore(key, uri);

        await using var stream = await store.OpenReadAsync(key, TestContext.CancellationToken);
        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => stream.CopyToAsync(Stream.Null, TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.Unreachable, error.Error, error.Message);
        Assert.AreEqual(key, error.Key);
        Assert.IsInstanceOfType<TransportGuardedStream>(stream);
    }

    private static HttpClient Client(HttpResilienceOptions options) =>
        new(HttpResilience.CreateHandler(new SocketsHttpHandler(), options)) { Timeout = Timeout.InfiniteTimeSpan };
}
