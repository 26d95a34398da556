using System.IO.Compression;
using System.Security.Cryptography;
using ModelStore.GitHub.Testing;

namespace ModelStore.Build.Tests.Integration;

/// <summary>IDE design-time builds and the task host Visual Studio uses, with a real `dotnet` against the packed feed.</summary>
[TestClass]
public sealed class DesignTimeIntegrationTests
{
    private const string Resnet = "pytorch/resnet18.cls1000.imagenet";
    private const string Clip = "pytorch/clip.laion";
    private const string Secret = "TopSecret4242";

    // What the IDE runs: the compile chain with DesignTimeBuild and without the compiler.
    private static readonly string[] DesignTimeBuild = ["-t:Compile", "-p:DesignTimeBuild=true", "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true"];

    [TestMethod]
    public async Task A_design_time_build_on_an_empty_cache_contacts_no_store_and_the_next_build_fetches_through_the_NET_task_host()
    {
        await using var github = await FakeGitHubServer.StartAsync();
        github.AddRepository("mozuma", "mozuma");
        var bytes = RandomNumberGenerator.GetBytes(20_000);
        var gzipped = Path.Combine(github.Storage, "published.gz");
        await using (var file = File.Create(gzipped))
        await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            await gzip.WriteAsync(bytes);
        }

        github.SeedAsset("mozuma", "mozuma", "state.pytorch.resnet18", "cls1000.imagenet.state.gzip", gzipped);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var app = await ConsumerProject.CreateAsync("design-time");
        app.WithStore("mozuma", $"Kind=\"GitHub\" Owner=\"mozuma\" Repository=\"mozuma\" BaseAddress=\"{github.BaseAddress}\"")
            .WithState(Resnet, "Store=\"mozuma\" AccessorName=\"Backbone\"");
        // A store kind from outside the package: the provider defined in this test assembly, named on the item. It declares
        // no settings, so it takes any: one holding a secret decides the resolution, but must never reach obj/ nor the
        // lock file (the shipped kinds refuse undeclared settings, MST0008, and credentials as settings).
        var clip = app.Publish(Clip, 5_000);
        app.WithStore("vendor", $"ProviderType=\"{typeof(ThirdPartyStoreProvider).FullName}\" ProviderAssembly=\"{typeof(ThirdPartyStoreProvider).Assembly.Location}\" Root=\"{app.StoreFolder}\" AuthToken=\"{Secret}\"")
            .WithState(Clip, "Store=\"vendor\"");
        var descriptor = Path.Combine(app.IntermediateFolder, "modelstates", "states.modelstates");

        // 1. Nothing known yet: no store contacted, no accessor, a warning.
        var cold = await app.BuildAsync(DesignTimeBuild);
        Assert.AreEqual(0, cold.ExitCode, cold.ToString());
        Assert.IsEmpty(github.Requests, string.Join("\n", github.Requests));
        StringAssert.Contains(cold.Output, $"warning MST0022: ModelState '{Resnet}'", cold.ToString());
        StringAssert.Contains(cold.Output, $"warning MST0022: ModelState '{Clip}'", cold.ToString());
        Assert.IsFalse(File.Exists(descriptor) && File.ReadAllText(descriptor).Contains("[state]", StringComparison.Ordinal), "no state is described yet");
        Assert.IsFalse(File.Exists(app.LockFile));
        Assert.IsFalse(Directory.Exists(app.Home));

        // 2. The real build fetches, here through the .NET task host that Visual Studio's MSBuild uses (Runtime="NET").
        var real = await app.BuildAsync("-v:d", "-p:_ModelStoreMSBuildRuntimeType=Full");
        Assert.AreEqual(0, real.ExitCode, real.ToString());
        StringAssert.Contains(real.Output, "in an external task host with a runtime of \"NET\"", real.ToString());
        StringAssert.Contains(real.Output, $"ModelStore: fetched {Resnet} from store 'mozuma'", real.ToString());
        StringAssert.Contains(real.Output, $"ModelStore: fetched {Clip} from store 'vendor'", real.ToString());
        Assert.IsNotEmpty(github.Requests);
        StringAssert.Contains(File.ReadAllText(app.LockFile), sha);
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"state {Resnet} size=20000 sha256={sha} read=20000", run.ToString());
        StringAssert.Contains(run.Output, $"state {Clip} size=5000 sha256={clip} read=5000", run.ToString());

        // 3. Cache deleted: the lock file alone lights up the accessor; still no request.
        Directory.Delete(app.Home, recursive: true);
        github.Requests.Clear();
        var warm = await app.BuildAsync(DesignTimeBuild);
        Assert.AreEqual(0, warm.ExitCode, warm.ToString());
        Assert.IsEmpty(github.Requests, string.Join("\n", github.Requests));
        Assert.IsFalse(warm.Output.Contains("MST0022", StringComparison.Ordinal), warm.ToString());
        StringAssert.Contains(File.ReadAllText(descriptor), $"[state]\nkey={Resnet}\nstore=mozuma\nsha256={sha}\n");
        StringAssert.Contains(File.ReadAllText(descriptor), $"sha256={clip}\n");
        Assert.IsFalse(Directory.Exists(app.Home), "nothing was fetched");

        foreach (var file in Directory.EnumerateFiles(Path.Combine(app.Folder, "obj"), "*", SearchOption.AllDirectories).Append(app.LockFile))
        {
            Assert.IsFalse(File.ReadAllText(file).Contains(Secret, StringComparison.Ordinal), $"{file} holds the secret");
        }
    }
}
