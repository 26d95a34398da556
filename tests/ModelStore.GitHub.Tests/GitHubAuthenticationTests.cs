using System.Text;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.GitHub.Tests;

/// <summary>Credentials as MoZuMa reads them, what goes over the wire, and that no secret leaks.</summary>
[TestClass]
public sealed class GitHubAuthenticationTests : GitHubStoreFixture
{
    [TestMethod]
    public async Task GH_API_BASIC_AUTH_is_sent_as_http_basic_split_at_the_first_colon()
    {
        var store = CreateStore(TestEnvironment.Of(("GH_API_BASIC_AUTH", $"{BasicUser}:{BasicToken}"), ("GH_TOKEN", WriterToken)));

        await WriteAsync(store, new StateKey(Resnet, "imagenet"), [1, 2, 3]);
        await store.GetStateKeysAsync(Resnet, Cancel);

        var api = ApiRequestsSince(0);
        Assert.IsTrue(api.Count >= 3);
        foreach (var request in api)
        {
            Assert.IsNotNull(request.Authorization, request.PathAndQuery);
            StringAssert.StartsWith(request.Authorization, "Basic ");
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(request.Authorization["Basic ".Length..]));
            Assert.AreEqual(BasicUser, decoded[..decoded.IndexOf(':', StringComparison.Ordinal)]);
            Assert.AreEqual(BasicToken, decoded[(decoded.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        }
    }

    [TestMethod]
    [DataRow("GH_TOKEN")]
    [DataRow("GITHUB_TOKEN")]
    public async Task A_token_variable_is_sent_as_a_bearer_token(string variable)
    {
        var store = CreateStore(TestEnvironment.Of((variable, WriterToken)));

        await WriteAsync(store, new StateKey(Resnet, "imagenet"), [1, 2, 3]);
        await store.GetStateKeysAsync(Resnet, Cancel);

        var api = ApiRequestsSince(0);
        Assert.IsTrue(api.Count >= 3);
        Assert.IsTrue(api.All(request => request.Authorization == $"Bearer {WriterToken}"), string.Join(", ", api.Select(r => r.Authorization?.Split(' ')[0] ?? "none")));
    }

    [TestMethod]
    public async Task GH_TOKEN_wins_over_GITHUB_TOKEN()
    {
        var store = CreateStore(TestEnvironment.Of(("GITHUB_TOKEN", ReaderToken), ("GH_TOKEN", WriterToken)));

        await WriteAsync(store, new StateKey(Resnet, "imagenet"), [1]);

        Assert.IsTrue(ApiRequestsSince(0).All(request => request.Authorization == $"Bearer {WriterToken}"));
    }

    [TestMethod]
    public async Task Without_credentials_reads_are_anonymous()
    {
        await WriteAsync(CreateWriter(), new StateKey(Resnet, "imagenet"), [4, 5, 6]);
        var before = Server.Requests.Count;
        var store = CreateStore(TestEnvironment.Empty);

        var keys = await store.GetStateKeysAsync(Resnet, Cancel);
        var bytes = await ReadAsync(store, new StateKey(Resnet, "imagenet"));

        CollectionAssert.AreEqual(new[] { new StateKey(Resnet, "imagenet") }, keys.ToArray());
        CollectionAssert.AreEqual(new byte[] { 4, 5, 6 }, bytes);
        Assert.IsTrue(Server.Requests.Skip(before).All(request => request.Authorization is null));
    }

    [TestMethod]
    public async Task An_anonymous_write_is_refused_before_any_request()
    {
        var store = CreateStore(TestEnvironment.Empty);
        var before = Server.Requests.Count;

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => WriteAsync(store, new StateKey(Resnet, "imagenet"), [1]));
        var saveError = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.SaveAsync(new BytesModel(Resnet, [1]), "imagenet", cancellationToken: Cancel));
        var overwriteError = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.SaveAsync(new BytesModel(Resnet, [1]), "imagenet", overwrite: true, cancellationToken: Cancel));

        Assert.AreEqual(StateStoreError.AccessDenied, error.Error);
        Assert.AreEqual(StateStoreError.AccessDenied, saveError.Error);
        Assert.AreEqual(StateStoreError.AccessDenied, overwriteError.Error);
        StringAssert.Contains(error.Message, "GH_TOKEN");
        Assert.AreEqual(before, Server.Requests.Count, "A request was sent although the write could not succeed.");
    }

    [TestMethod]
    public async Task A_malformed_GH_API_BASIC_AUTH_is_ignored_and_named_without_its_value()
    {
        const string malformed = "ghp_NoColonHereSecret";
        var store = CreateStore(TestEnvironment.Of(("GH_API_BASIC_AUTH", malformed)));

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => WriteAsync(store, new StateKey(Resnet, "imagenet"), [1]));

        Assert.AreEqual(StateStoreError.AccessDenied, error.Error);
        StringAssert.Contains(error.Message, "GH_API_BASIC_AUTH");
        Assert.DoesNotContain(malformed, error.ToString());
    }

    [TestMethod]
    public async Task No_secret_appears_in_any_error()
    {
        var errors = new List<Exception>();
        async Task Collect(Func<Task> action)
        {
            try
            {
                await action();
                Assert.Fail("Expected an error.");
            }
            catch (StateStoreException e)
            {
                errors.Add(e);
            }
        }

        var key = new StateKey(Resnet, "imagenet");
        var badToken = "ghp_RejectedSecretToken55555";
        await Collect(() => CreateStore(TestEnvironment.Of(("GH_TOKEN", badToken))).GetStateKeysAsync(Resnet, Cancel));
        await Collect(() => WriteAsync(CreateStore(TestEnvironment.Of(("GH_TOKEN", ReaderToken))), key, [1]));
        await Collect(() => WriteAsync(CreateStore(TestEnvironment.Of(("GH_API_BASIC_AUTH", $"{BasicUser}:wrong-{BasicToken}"))), key, [1]));
        await WriteAsync(CreateWriter(), key, [1]);
        await Collect(() => WriteAsync(CreateStore(TestEnvironment.Of(("GH_API_BASIC_AUTH", $"{BasicUser}:{BasicToken}"))), key, [2]));
        await Collect(() => CreateStore(TestEnvironment.Of(("GH_TOKEN", WriterToken)), repository: "missing").GetStateKeysAsync(Resnet, Cancel));
        await Collect(() => CreateStore(TestEnvironment.Of(("GH_TOKEN", WriterToken)), branch: "no-such-branch").WriteAsync(new StateKey(new StateType("onnx", "bert"), "x"), new MemoryStream([1]), cancellationToken: Cancel));
        await Collect(() => CreateStore(TestEnvironment.Of(("GH_TOKEN", WriterToken))).OpenReadAsync(new StateKey(Resnet, "missing"), Cancel));
        Server.AuthenticatedBudget = 0;
        await Collect(() => CreateStore(TestEnvironment.Of(("GH_TOKEN", WriterToken))).GetStateKeysAsync(Resnet, Cancel));

        Assert.AreEqual(8, errors.Count);
        string[] secrets = [badToken, ReaderToken, WriterToken, BasicToken, "Secret", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{BasicUser}:{BasicToken}"))];
        foreach (var error in errors)
        {
            var text = error.ToString();
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, text, $"A secret leaked into: {text}");
            }
        }

        CollectionAssert.IsSubsetOf(
            new[] { StateStoreError.AccessDenied, StateStoreError.AlreadyExists, StateStoreError.ContainerNotFound, StateStoreError.NotFound, StateStoreError.RateLimited },
            errors.Cast<StateStoreException>().Select(e => e.Error).Distinct().ToArray());
    }

    [TestMethod]
    public async Task A_token_without_write_access_is_access_denied()
    {
        var store = CreateStore(TestEnvironment.Of(("GH_TOKEN", ReaderToken)));

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => WriteAsync(store, new StateKey(Resnet, "imagenet"), [1]));

        Assert.AreEqual(StateStoreError.AccessDenied, error.Error);
        StringAssert.Contains(error.Message, "GH_TOKEN");
        Assert.IsNull(Server.FindRelease(Owner, Repository, "state.pytorch.resnet18"));
    }

    [TestMethod]
    public async Task Rejected_credentials_are_access_denied_naming_the_variable()
    {
        var store = CreateStore(TestEnvironment.Of(("GITHUB_TOKEN", "ghp_unknown")));

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Resnet, Cancel));

        Assert.AreEqual(StateStoreError.AccessDenied, error.Error);
        StringAssert.Contains(error.Message, "GITHUB_TOKEN");
        Assert.AreEqual(401, Server.Requests.Last().Status);
    }

    [TestMethod]
    public void The_store_id_and_description_hold_no_secret()
    {
        var store = CreateStore(TestEnvironment.Of(("GH_TOKEN", WriterToken)));

        Assert.AreEqual($"github:{Server.BaseAddress.AbsoluteUri.TrimEnd('/')}/{Owner}/{Repository}/state", store.Id);
        Assert.DoesNotContain(WriterToken, store.Id + store.Description);
    }
}
