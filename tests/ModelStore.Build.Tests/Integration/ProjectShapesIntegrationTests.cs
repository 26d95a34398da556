using System.Security;
using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// The shapes of projects teams really have, built with the real `dotnet` against the packed feed: a net8.0 library
/// that declares states, referenced by a net10.0 app, a net8.0 app published self-contained (so it runs on a real
/// .NET 8 runtime) and an MSTest project; all of them read the library's states with the cache deleted.
/// </summary>
[TestClass]
public sealed class ProjectShapesIntegrationTests
{
    private const string LibState = "pytorch/tiny-mlp.digits.v1";
    private const string SharedState = "pytorch/resnet18.cls1000.imagenet";
    private const string App8State = "pytorch/clip.laion";

    [TestMethod]
    public async Task A_net8_library_passes_its_states_to_a_net10_app_a_self_contained_net8_app_and_a_test_project()
    {
        var feed = await PackageFeed.GetAsync();
        var root = Path.Combine(feed.Root, "shapes");
        Directory.CreateDirectory(root);
        feed.WriteConsumerConfiguration(root);
        var store = Path.Combine(root, "states");
        var home = Path.Combine(root, "home");
        var lib = Publish(store, LibState, 30_000);
        var shared = Publish(store, SharedState, 40_000);
        var app8 = Publish(store, App8State, 10_000);
        var storeItem = $"""<ModelStore Include="local" Kind="Local" Folder="{SecurityElement.Escape(store)}" />""";
        var version = feed.Version;

        Write(root, "Lib/Lib.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net8.0</TargetFramework><Nullable>enable</Nullable></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelStore.Build" Version="{version}" />
                <PackageReference Include="ModelStore" Version="{version}" />
                {storeItem}
                <ModelState Include="{LibState}" Store="local" AccessorName="Weights" CopyToOutputDirectory="PreserveNewest" />
                <ModelState Include="{SharedState}" Store="local" AccessorName="Backbone" CopyToOutputDirectory="PreserveNewest" />
              </ItemGroup>
            </Project>
            """);
        // The app declares one of the library's states itself too: one file in bin/ and publish/, no duplicate.
        Write(root, "App/App.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Lib/Lib.csproj" />
                <PackageReference Include="ModelStore.Build" Version="{version}" />
                {storeItem}
                <ModelState Include="{SharedState}" Store="local" CopyToOutputDirectory="Always" />
              </ItemGroup>
            </Project>
            """);
        Write(root, "App/Program.cs", ReadEveryState("Lib.ModelStates.All.Concat(App.ModelStates.All)"));
        Write(root, "App8/App8.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net8.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Lib/Lib.csproj" />
                <PackageReference Include="ModelStore.Build" Version="{version}" />
                {storeItem}
                <ModelState Include="{App8State}" Store="local" CopyToOutputDirectory="PreserveNewest" />
              </ItemGroup>
            </Project>
            """);
        Write(root, "App8/Program.cs", ReadEveryState("Lib.ModelStates.All.Concat(App8.ModelStates.All)"));
        Write(root, "Tests/Tests.csproj", """
            <Project Sdk="MSTest.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><ProjectReference Include="../Lib/Lib.csproj" /></ItemGroup>
            </Project>
            """);
        Write(root, "Tests/LibStateTests.cs", $$"""
            using System;
            using System.IO;
            using Microsoft.VisualStudio.TestTools.UnitTesting;

            namespace Tests;

            [TestClass]
            public sealed class LibStateTests
            {
                [TestMethod]
                public void The_library_state_is_in_the_test_output_folder()
                {
                    Assert.IsTrue(File.Exists(Path.Combine(AppContext.BaseDirectory, Lib.ModelStates.Weights.OutputRelativePath!)));
                    using var bytes = Lib.ModelStates.Weights.OpenRead();
                    Assert.AreEqual(30000L, bytes.Length);
                }
            }
            """);
        Write(root, "shapes.slnx", """
            <Solution>
              <Project Path="Lib/Lib.csproj" />
              <Project Path="App/App.csproj" />
              <Project Path="App8/App8.csproj" />
              <Project Path="Tests/Tests.csproj" />
            </Solution>
            """);
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = feed.PackagesFolder, ["MODELSTORE_HOME"] = home };

        var build = await DotNet.RunAsync(root, environment, "build", "shapes.slnx", "-nodeReuse:false", "-tl:off", "-v:n");
        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.IsFalse(build.Output.Contains("warning MSB", StringComparison.Ordinal) || build.Output.Contains("NETSDK1152", StringComparison.Ordinal), build.ToString());
        var publishApp = await DotNet.RunAsync(root, environment, "publish", "App/App.csproj", "--no-build", "-c", "Debug", "-o", Path.Combine(root, "publish-app"), "-nodeReuse:false");
        Assert.AreEqual(0, publishApp.ExitCode, publishApp.ToString());
        var publish8 = await DotNet.RunAsync(root, environment, "publish", "App8/App8.csproj", "-c", "Debug", "-r", "linux-x64", "--self-contained", "-o", Path.Combine(root, "publish-app8"), "-nodeReuse:false");
        Assert.AreEqual(0, publish8.ExitCode, publish8.ToString());

        // Every project that references the library has its states, and each output folder holds each state once.
        var libFile = Path.Combine("modelstates", "pytorch.tiny-mlp.digits.v1.pt");
        var sharedFile = Path.Combine("modelstates", "pytorch.resnet18.cls1000.imagenet.pt");
        var app8File = Path.Combine("modelstates", "pytorch.clip.laion.pt");
        var outputs = new Dictionary<string, string[]>
        {
            ["Lib/bin/Debug/net8.0"] = [libFile, sharedFile],
            ["App/bin/Debug/net10.0"] = [libFile, sharedFile],
            ["publish-app"] = [libFile, sharedFile],
            ["App8/bin/Debug/net8.0"] = [libFile, sharedFile, app8File],
            ["publish-app8"] = [libFile, sharedFile, app8File],
            ["Tests/bin/Debug/net10.0"] = [libFile, sharedFile],
        };
        foreach (var (folder, expected) in outputs)
        {
            var present = Directory.GetFiles(Path.Combine(root, folder, "modelstates")).Select(file => Path.Combine("modelstates", Path.GetFileName(file))).Order().ToArray();
            CollectionAssert.AreEqual(expected.Order().ToArray(), present, folder);
        }

        // Output copies are copies: writing to one leaves the machine-wide blob intact.
        var cache = new StateCache(home);
        var libCopy = Path.Combine(root, "Lib/bin/Debug/net8.0", libFile);
        await File.WriteAllBytesAsync(libCopy, new byte[] { 1, 2, 3 });
        Assert.AreEqual(lib, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(cache.GetBlobPath(lib)))), "the cache blob was damaged through an output copy");

        Directory.Delete(home, recursive: true);
        foreach (var run in new[]
                 {
                     await DotNet.RunAsync(root, environment, Path.Combine(root, "App/bin/Debug/net10.0/App.dll")),
                     await DotNet.RunAsync(root, environment, Path.Combine(root, "publish-app/App.dll")),
                 })
        {
            Assert.AreEqual(0, run.ExitCode, run.ToString());
            StringAssert.Contains(run.Output, $"state {LibState} sha256={lib} read=30000", run.ToString());
            StringAssert.Contains(run.Output, $"state {SharedState} sha256={shared} read=40000", run.ToString());
            StringAssert.Contains(run.Output, "runtime 10.0.", run.ToString());
        }

        // The self-contained app runs on the .NET 8 runtime it carries, not on the machine's .NET 10.
        var selfContained = await Run(Path.Combine(root, "publish-app8", "App8"), environment);
        Assert.AreEqual(0, selfContained.ExitCode, selfContained.ToString());
        StringAssert.Contains(selfContained.Output, "runtime 8.0.", selfContained.ToString());
        StringAssert.Contains(selfContained.Output, $"state {LibState} sha256={lib} read=30000", selfContained.ToString());
        StringAssert.Contains(selfContained.Output, $"state {App8State} sha256={app8} read=10000", selfContained.ToString());

        var tests = await DotNet.RunAsync(root, environment, Path.Combine(root, "Tests/bin/Debug/net10.0/Tests.dll"));
        Assert.AreEqual(0, tests.ExitCode, tests.ToString());
        StringAssert.Contains(tests.Output, "succeeded: 1", tests.ToString());
        Assert.IsFalse(Directory.Exists(home), "nothing read the cache");
    }

    [TestMethod]
    public async Task A_netstandard_library_is_MST0020_and_an_old_MSBuild_MST0021_before_any_fetch_and_without_compiler_errors()
    {
        var app = await ConsumerProject.CreateAsync("netstandard");
        app.TargetFramework = "netstandard2.0";
        app.Publish(LibState);
        app.WithState(LibState);
        File.Delete(Path.Combine(app.Folder, "Program.cs"));
        File.WriteAllText(Path.Combine(app.Folder, "app.csproj"), File.ReadAllText(Path.Combine(app.Folder, "app.csproj"))
            .Replace("<OutputType>Exe</OutputType>", "", StringComparison.Ordinal)
            .Replace("<ImplicitUsings>enable</ImplicitUsings>", "", StringComparison.Ordinal));

        // An MSBuild older than the package needs (Visual Studio 2022, SDK 8/9) is told so, instead of failing to load the task (MSB4062).
        var oldHost = await app.BuildAsync("-p:_ModelStoreMinimumMSBuildVersion=99.0");
        Assert.AreNotEqual(0, oldHost.ExitCode, oldHost.ToString());
        StringAssert.Contains(oldHost.Output, "error MST0021: ModelStore.Build needs MSBuild 99.0 or later", oldHost.ToString());
        Assert.IsFalse(oldHost.Output.Contains("MSB4036", StringComparison.Ordinal) || oldHost.Output.Contains("MSB4062", StringComparison.Ordinal), oldHost.ToString());

        var result = await app.BuildAsync();

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "error MST0020", result.ToString());
        StringAssert.Contains(result.Output, "'netstandard2.0'", result.ToString());
        StringAssert.Contains(result.Output, "net8.0", result.ToString());
        Assert.IsFalse(result.Output.Contains("error CS", StringComparison.Ordinal), result.ToString());
        Assert.IsFalse(result.Output.Contains("error NU", StringComparison.Ordinal), "restore succeeds: the ModelStore dependency is declared for net8.0 and later only");
        Assert.IsFalse(Directory.Exists(app.Home), "nothing was fetched");
    }

    private static string Publish(string store, string key, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        new LocalStateStore(store).WriteAsync(StateKey.Parse(key), new MemoryStream(bytes)).GetAwaiter().GetResult();
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static void Write(string root, string relativePath, string text)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static string ReadEveryState(string states) => $$"""
        Console.WriteLine($"runtime {Environment.Version}");
        foreach (var state in {{states}})
        {
            using var stream = state.OpenRead();
            long read = 0;
            var buffer = new byte[81920];
            int count;
            while ((count = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                read += count;
            }

            Console.WriteLine($"state {state.Key} sha256={state.Sha256} read={read}");
        }
        """;

    // A self-contained app is started through its own host, not through `dotnet`.
    private static async Task<CommandResult> Run(string executable, Dictionary<string, string> environment)
    {
        using var process = new System.Diagnostics.Process
        {
            StartInfo = new System.Diagnostics.ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false },
        };
        foreach (var (name, value) in environment)
        {
            process.StartInfo.Environment[name] = value;
        }

        process.StartInfo.Environment.Remove("DOTNET_ROOT");
        process.Start();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CommandResult(executable, process.ExitCode, await output + await error);
    }
}
