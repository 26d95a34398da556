using ModelStore.Cli;
using ModelStore.GitHub.Testing;

namespace ModelStore.Cli.Tests;

/// <summary>The CLI drives the GitHub-release store (real Octokit) against the local GitHub-compatible server.</summary>
[TestClass]
[DoNotParallelize]
public sealed class GitHubCliTests
{
    private const string Token = "ghp_CliSecretToken0123456789";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Push_list_and_pull_through_a_GitHub_release_store_without_leaking_the_token()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.AddRepository("acme", "models");
        server.AddToken(Token, "writer");
        var work = Directory.CreateTempSubdirectory("modelstore-cli-gh-").FullName;
        var previous = Environment.GetEnvironmentVariable("GH_TOKEN");
        Environment.SetEnvironmentVariable("GH_TOKEN", Token);
        try
        {
            var file = Path.Combine(work, "w.pt");
            await File.WriteAllBytesAsync(file, [1, 2, 3, 4, 5], TestContext.CancellationToken);
            string[] store = ["--store", "github:acme/models", "--setting", $"BaseAddress={server.BaseAddress}", "--cache", Path.Combine(work, "cache")];

            var pushed = await RunAsync(["push", file, "pytorch/mlp.digits.v1", .. store]);
            var listed = await RunAsync(["list", "--type", "pytorch/mlp", .. store]);
            var pulled = await RunAsync(["pull", "pytorch/mlp.digits.v1", .. store]);

            Assert.AreEqual(0, pushed.Exit, pushed.Error);
            CollectionAssert.AreEqual(new[] { "digits.v1.state.gzip" }, server.AssetNames("acme", "models", "state.pytorch.mlp").ToArray());
            Assert.AreEqual("pytorch/mlp.digits.v1", listed.Output.Trim(), listed.Error);
            Assert.AreEqual(0, pulled.Exit, pulled.Error);
            foreach (var text in new[] { pushed.Output, pushed.Error, listed.Output, listed.Error, pulled.Output, pulled.Error })
            {
                Assert.DoesNotContain(Token, text);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("GH_TOKEN", previous);
            Directory.Delete(work, recursive: true);
        }
    }

    [TestMethod]
    public async Task An_anonymous_push_is_a_clear_access_error()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.AddRepository("acme", "models");
        var work = Directory.CreateTempSubdirectory("modelstore-cli-gh-").FullName;
        string?[] saved = [Environment.GetEnvironmentVariable("GH_TOKEN"), Environment.GetEnvironmentVariable("GITHUB_TOKEN"), Environment.GetEnvironmentVariable("GH_API_BASIC_AUTH")];
        Environment.SetEnvironmentVariable("GH_TOKEN", null);
        Environment.SetEnvironmentVariable("GITHUB_TOKEN", null);
        Environment.SetEnvironmentVariable("GH_API_BASIC_AUTH", null);
        try
        {
            var file = Path.Combine(work, "w.pt");
            await File.WriteAllBytesAsync(file, [1], TestContext.CancellationToken);

            var pushed = await RunAsync(["push", file, "pytorch/mlp.v1", "--store", "github:acme/models", "--setting", $"BaseAddress={server.BaseAddress}"]);

            Assert.AreEqual(1, pushed.Exit);
            StringAssert.Contains(pushed.Error, "AccessDenied");
        }
        finally
        {
            Environment.SetEnvironmentVariable("GH_TOKEN", saved[0]);
            Environment.SetEnvironmentVariable("GITHUB_TOKEN", saved[1]);
            Environment.SetEnvironmentVariable("GH_API_BASIC_AUTH", saved[2]);
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
