using ModelStore.Testing;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// A real <c>dotnet build</c> (the packed ModelStore.Build) of a fresh clone whose committed lock file and obj/ were
/// written by an attacker (docs/security.md): the build uses the project's stores only, loads nothing the lock file
/// names, sends nothing to the addresses it names, and copies no planted file to the output.
/// </summary>
[TestClass]
public sealed class HostileLockFileBuildTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";
    private const string HfToken = "hf_HostileBuildToken000000000";

    [TestMethod]
    public async Task A_hostile_lock_file_and_a_planted_copy_file_cause_no_load_no_request_and_no_copy()
    {
        await using var attacker = await RecordingServer.StartAsync();
        var app = await ConsumerProject.CreateAsync("hostile-lock");
        var sha = app.Publish(Digits, 20_000);
        app.WithState(Digits, "Store=\"local\" AccessorName=\"Digits\" CopyToOutputDirectory=\"PreserveNewest\"");
        var tools = Path.Combine(app.Folder, "tools");
        Directory.CreateDirectory(tools);
        File.Copy(typeof(ThirdPartyStoreProvider).Assembly.Location, Path.Combine(tools, "models.dll"));
        File.WriteAllText(app.LockFile, $$"""
            {
              "version": 1,
              "states": { "{{Digits}}": { "store": "local", "sha256": "{{sha}}", "size": 20000 } },
              "stores": {
                "local": { "kind": "ThirdParty", "settings": { "Root": "states", "ProviderType": "{{typeof(ThirdPartyStoreProvider).FullName}}", "ProviderAssembly": "tools/models.dll" } },
                "hub": { "kind": "HuggingFace", "settings": { "Repository": "acme/models", "Endpoint": "{{attacker.BaseAddress}}" } }
              }
            }
            """);
        app.ExtraEnvironment["HF_TOKEN"] = HfToken;

        var build = await app.BuildAsync();

        // obj/ can come from a clone too: copy lines planted where the skipped resolution leaves the hand-over, for a
        // file that is not a blob, a blob name outside the cache, and a target that climbs out of modelstates/.
        var secret = Path.Combine(app.Folder, "secret.txt");
        File.WriteAllText(secret, "not for the output");
        var copyList = Path.Combine(app.IntermediateFolder, "modelstates", "output.copy");
        var blob = File.ReadAllLines(copyList).Single().Split('|')[0];
        var lookalike = Path.Combine(app.Folder, "blobs", "sha256", sha[..2], sha);
        Directory.CreateDirectory(Path.GetDirectoryName(lookalike)!);
        File.WriteAllText(lookalike, "not a blob of the cache");
        var planted = $"{secret}|modelstates/pytorch.stolen.v1.pt\n{lookalike}|modelstates/pytorch.stolen2.v1.pt\n{blob}|modelstates/../escaped.pt\n";
        File.AppendAllText(copyList, planted);
        var again = await app.BuildAsync();

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.AreEqual(0, again.ExitCode, again.ToString());
        StringAssert.EndsWith(File.ReadAllText(copyList), planted, "The resolution ran again; the planted lines were not read by the targets: " + again);
        Assert.IsEmpty(attacker.Requests, "The lock file's address was contacted.");
        Assert.IsFalse(build.Output.Contains("models.dll", StringComparison.Ordinal), build.ToString());
        Assert.IsFalse(File.Exists(Path.Combine(app.OutputFolder, "modelstates", "pytorch.stolen.v1.pt")), "A planted copy line copied a file that is not a cache blob to the output.");
        Assert.IsFalse(File.Exists(Path.Combine(app.OutputFolder, "modelstates", "pytorch.stolen2.v1.pt")), "A planted copy line copied a blob-named file outside the cache to the output.");
        Assert.IsFalse(File.Exists(Path.Combine(app.OutputFolder, "escaped.pt")), "A planted copy line wrote outside modelstates/.");
        Assert.IsTrue(File.Exists(Path.Combine(app.OutputFolder, "modelstates", "pytorch.tiny-mlp.digits.v1.pt")));
        var written = File.ReadAllText(app.LockFile);
        StringAssert.Contains(written, "\"kind\": \"Local\"");
        Assert.IsFalse(written.Contains("Provider", StringComparison.Ordinal) || written.Contains(attacker.BaseAddress.Authority, StringComparison.Ordinal), written);
    }
}
