using System.Security.Cryptography;
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

    [TestMethod]
    public async Task Mirror_copies_the_states_a_lock_file_pins_from_a_GitHub_origin_to_a_local_folder()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.AddRepository("acme", "models");
        server.AddToken(Token, "writer");
        var work = Directory.CreateTempSubdirectory("modelstore-cli-gh-mirror-").FullName;
        var previous = Environment.GetEnvironmentVariable("GH_TOKEN");
        Environment.SetEnvironmentVariable("GH_TOKEN", Token);
        try
        {
            string[] origin = ["--setting", $"BaseAddress={server.BaseAddress}", "--cache", Path.Combine(work, "cache")];
            var states = new Dictionary<string, byte[]> { ["pytorch/resnet18.cls1000.imagenet"] = RandomNumberGenerator.GetBytes(70_000), ["pytorch/mlp.digits.v1"] = RandomNumberGenerator.GetBytes(3000) };
            foreach (var (key, bytes) in states)
            {
                var file = Path.Combine(work, "state.pt");
                await File.WriteAllBytesAsync(file, bytes, TestContext.CancellationToken);
                var pushed = await RunAsync(["push", file, key, "--store", "github:acme/models", .. origin]);
                Assert.AreEqual(0, pushed.Exit, pushed.Error);
            }

            // The lock file as a build writes it for <ModelStore Include="acme" Kind="GitHub" Owner="acme" Repository="models" BaseAddress="..." />.
            var lockFile = Path.Combine(work, "modelstates.lock.json");
            var entries = string.Join(",", states.Select(state => $$"""
                "{{state.Key}}": { "store": "acme", "sha256": "{{Convert.ToHexStringLower(SHA256.HashData(state.Value))}}", "size": {{state.Value.Length}} }
                """));
            await File.WriteAllTextAsync(lockFile, $$"""
                { "version": 1, "states": { {{entries}} },
                  "stores": { "acme": { "kind": "GitHub", "settings": { "Owner": "acme", "Repository": "models", "BaseAddress": "{{server.BaseAddress}}" } } } }
                """, TestContext.CancellationToken);
            var fleet = Path.Combine(work, "fleet");
            string[] mirror = ["mirror", "--from", "github:acme/models", "--from-setting", $"BaseAddress={server.BaseAddress}", "--to", fleet, "--lock", lockFile, "--cache", Path.Combine(work, "cache-mirror")];

            var copied = await RunAsync(mirror);
            var again = await RunAsync(mirror);

            Assert.AreEqual(0, copied.Exit, copied.Error);
            StringAssert.Contains(copied.Output, "2 copied, 0 skipped, 0 failed.");
            foreach (var (key, bytes) in states)
            {
                CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(Path.Combine(fleet, key.Replace('/', '.') + ".pt"), TestContext.CancellationToken), key);
            }

            Assert.AreEqual(0, again.Exit, again.Error);
            StringAssert.Contains(again.Output, "0 copied, 2 skipped, 0 failed.");
            foreach (var text in new[] { copied.Output, copied.Error, again.Output, again.Error })
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

    private async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync(args, output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
