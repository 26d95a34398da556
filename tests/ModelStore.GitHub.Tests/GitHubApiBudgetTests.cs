using System.Globalization;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.GitHub.Tests;

/// <summary>What the store spends of GitHub's API quota, and what it says when the quota is gone.</summary>
[TestClass]
public sealed class GitHubApiBudgetTests : GitHubStoreFixture
{
    [TestMethod]
    public async Task An_exhausted_quota_is_rate_limited_with_the_reset_time()
    {
        await WriteAsync(CreateWriter(), new StateKey(Resnet, "imagenet"), [1]);
        Server.AnonymousBudget = 3;
        var store = CreateStore(TestEnvironment.Empty);

        GitHubRateLimitException? error = null;
        for (var attempt = 0; attempt < 10 && error is null; attempt++)
        {
            try
            {
                await store.GetStateKeysAsync(new StateType("pytorch", $"arch{attempt}"), Cancel);
            }
            catch (GitHubRateLimitException e)
            {
                error = e;
            }
        }

        Assert.IsNotNull(error, "The quota of 3 calls was never reported as spent.");
        Assert.AreEqual(StateStoreError.RateLimited, error.Error);
        Assert.AreEqual(Server.ResetAt, error.ResetsAt);
        Assert.AreEqual(3, error.Limit);
        StringAssert.Contains(error.Message, Server.ResetAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        StringAssert.Contains(error.Message, "GH_TOKEN");
        Assert.AreEqual(3, Server.Requests.Count(request => request.Authorization is null && request.Counted));
        Assert.AreEqual(403, Server.Requests.Last().Status);
    }

    [TestMethod]
    public async Task Listing_again_costs_no_counted_call_thanks_to_etags()
    {
        var writer = CreateWriter();
        await WriteAsync(writer, new StateKey(Resnet, "imagenet"), [1]);
        await WriteAsync(writer, new StateKey(Resnet, "places365"), [2]);
        var store = CreateWriter();

        var beforeFirst = Server.CountedCalls;
        var first = await store.GetStateKeysAsync(Resnet, Cancel);
        var firstCost = Server.CountedCalls - beforeFirst;
        var requestsBeforeSecond = Server.Requests.Count;
        var second = await store.GetStateKeysAsync(Resnet, Cancel);
        var secondCost = Server.CountedCalls - beforeFirst - firstCost;

        CollectionAssert.AreEqual(first.ToArray(), second.ToArray());
        Assert.AreEqual(2, first.Count);
        Assert.IsTrue(firstCost is > 0 and <= 2, $"The first listing cost {firstCost} calls.");
        Assert.AreEqual(0, secondCost, "The second listing spent counted calls.");
        var revalidations = ApiRequestsSince(requestsBeforeSecond);
        Assert.IsTrue(revalidations.Count > 0 && revalidations.All(request => request.Status == 304), "The second listing was not revalidated with If-None-Match.");
    }

    [TestMethod]
    public async Task A_changed_release_is_seen_through_the_etag_cache()
    {
        var store = CreateWriter();
        await WriteAsync(store, new StateKey(Resnet, "imagenet"), [1]);
        Assert.AreEqual(1, (await store.GetStateKeysAsync(Resnet, Cancel)).Count);

        await WriteAsync(CreateWriter(), new StateKey(Resnet, "places365"), [2]);

        Assert.AreEqual(2, (await store.GetStateKeysAsync(Resnet, Cancel)).Count);
    }

    [TestMethod]
    public async Task Etags_kept_on_disk_make_the_first_listing_of_a_new_process_free()
    {
        var cache = Path.Combine(Server.Storage, "etag-cache");
        await WriteAsync(CreateWriter(), new StateKey(Resnet, "imagenet"), [1]);
        await CreateWriter(options => options.ResponseCacheDirectory = cache).GetStateKeysAsync(Resnet, Cancel);
        var before = Server.CountedCalls;

        var keys = await CreateWriter(options => options.ResponseCacheDirectory = cache).GetStateKeysAsync(Resnet, Cancel);

        Assert.AreEqual(1, keys.Count);
        Assert.AreEqual(0, Server.CountedCalls - before);
        Assert.IsTrue(Directory.EnumerateFiles(cache).Any());
        Assert.IsFalse(Directory.EnumerateFiles(cache).Any(file => File.ReadAllText(file).Contains(WriterToken, StringComparison.Ordinal)), "A credential was written to the cache.");
    }

    [TestMethod]
    public async Task Downloading_a_state_spends_no_api_call()
    {
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);
        await WriteAsync(CreateWriter(), new StateKey(Resnet, "imagenet"), bytes);
        var store = CreateStore(TestEnvironment.Empty);
        var before = Server.Requests.Count;

        CollectionAssert.AreEqual(bytes, await ReadAsync(store, new StateKey(Resnet, "imagenet")));

        var requests = Server.Requests.Skip(before).ToList();
        Assert.AreEqual(0, requests.Count(request => request.Counted));
        Assert.IsTrue(requests.Any(request => request.PathAndQuery == $"/{Owner}/{Repository}/releases/download/state.pytorch.resnet18/cls1000.imagenet.state.gzip" && request.Status == 302));
    }

    [TestMethod]
    public async Task Assets_are_listed_across_pages()
    {
        var gzip = GzipWithSystemTool([42]);
        for (var i = 0; i < 230; i++)
        {
            Server.SeedAsset(Owner, Repository, "state.pytorch.resnet18", $"cls1000.run-{i:D3}.state.gzip", gzip);
        }

        Server.SeedAsset(Owner, Repository, "state.pytorch.resnet18", "README.md", gzip);
        var before = Server.Requests.Count;

        var keys = await CreateStore(TestEnvironment.Empty).GetStateKeysAsync(Resnet, Cancel);

        Assert.AreEqual(230, keys.Count);
        Assert.AreEqual(new StateKey(Resnet, "run-229"), keys[^1]);
        var pages = ApiRequestsSince(before).Where(request => request.PathAndQuery.Contains("/assets", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(3, pages.Count, string.Join(", ", pages.Select(p => p.PathAndQuery)));
        Assert.IsTrue(pages.All(page => page.PathAndQuery.Contains("per_page=100", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task A_slow_server_is_a_timeout_error()
    {
        await WriteAsync(CreateWriter(), new StateKey(Resnet, "imagenet"), [1]);
        Server.Delay = TimeSpan.FromSeconds(5);
        var store = CreateStore(TestEnvironment.Empty, options => options.RequestTimeout = TimeSpan.FromMilliseconds(300));

        var listing = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Resnet, Cancel));
        var download = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(new StateKey(Resnet, "imagenet"), Cancel));

        Assert.AreEqual(StateStoreError.Timeout, listing.Error);
        Assert.AreEqual(StateStoreError.Timeout, download.Error);
    }
}
