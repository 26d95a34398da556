using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using ModelStore.GitHub.Testing;

namespace ModelStore.Build.Tests.Integration;

// A ModelState resolved by `dotnet build` from a GitHub release store (the local GitHub-compatible server).
public sealed partial class BuildIntegrationTests
{
    [TestMethod]
    public async Task Builds_a_state_resolved_from_a_GitHub_release_store()
    {
        const string user = "builder";
        const string token = "ghp_BuildIntegrationSecret777";
        await using var github = await FakeGitHubServer.StartAsync();
        // Private: the public download address answers 404, so the state comes through the API with the credentials.
        github.AddRepository("mozuma", "mozuma", isPrivate: true);
        github.AddBasicUser(user, token);
        var bytes = RandomNumberGenerator.GetBytes(40_000);
        var gzipped = Path.Combine(github.Storage, "published.gz");
        await using (var file = File.Create(gzipped))
        await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            await gzip.WriteAsync(bytes);
        }

        // Published exactly as MoZuMa lays it out: release state.pytorch.resnet18, asset cls1000.imagenet.state.gzip.
        github.SeedAsset("mozuma", "mozuma", "state.pytorch.resnet18", "cls1000.imagenet.state.gzip", gzipped);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var app = await ConsumerProject.CreateAsync("github");
        // Credentials come from the environment only; a known pair also overrides any token the CI machine has.
        app.ExtraEnvironment["GH_API_BASIC_AUTH"] = $"{user}:{token}";
        app.WithStore("mozuma", $"Kind=\"GitHub\" Owner=\"mozuma\" Repository=\"mozuma\" BaseAddress=\"{github.BaseAddress}\"")
            .WithState(Resnet, "Store=\"mozuma\"");

        var build = await app.BuildAsync();

        AssertSucceeded(build);
        StringAssert.Contains(build.Output, $"ModelStore: fetched {Resnet} from store 'mozuma'", build.ToString());
        StringAssert.Contains(File.ReadAllText(app.LockFile), $"\"sha256\": \"{sha}\"");
        StringAssert.Contains((await app.RunAppAsync()).Output, $"state {Resnet} size=40000 sha256={sha} read=40000");
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{token}"));
        var api = github.Requests.Where(request => request.PathAndQuery.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(api.Any(request => request.PathAndQuery.StartsWith("/api/v3/repos/mozuma/mozuma/releases/assets/", StringComparison.Ordinal) && request.Status == 302), string.Join("\n", github.Requests));
        Assert.IsTrue(api.All(request => request.Authorization == basic));
        Assert.DoesNotContain(token, build.Output);
    }
}
