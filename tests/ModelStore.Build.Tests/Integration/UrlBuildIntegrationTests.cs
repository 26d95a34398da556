using System.Globalization;
using System.Security;
using System.Security.Cryptography;
using ModelStore.Testing;

namespace ModelStore.Build.Tests.Integration;

/// <summary>The real `dotnet build` of a consumer resolving a ModelState from a plain URL (a real HTTP server on loopback).</summary>
[TestClass]
public sealed class UrlBuildIntegrationTests
{
    private const string Resnet = "pytorch/resnet18.cls1000.torchvision";
    private const long ChunkSize = 8L * 1024 * 1024;

    [TestMethod]
    public async Task A_url_state_interrupted_mid_download_resumes_builds_and_runs()
    {
        await using var server = await LoopbackFileServer.StartAsync();
        var bytes = RandomNumberGenerator.GetBytes(20 << 20);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var url = server.Put("models/resnet18-f37072fd.pth", bytes);
        server.CutAfterBytes = 3 << 20;
        server.CutConnections = 1;
        var app = await ConsumerProject.CreateAsync("url-state");
        app.WithState(Resnet, $"Url=\"{SecurityElement.Escape(url.AbsoluteUri)}\" Sha256=\"{sha}\" AccessorName=\"Resnet\"");

        var build = await app.BuildAsync();

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, $"ModelStore: fetched {Resnet} from store 'url:{url.AbsoluteUri}'", build.ToString());
        Assert.DoesNotContain("MST0012", build.Output, "A pinned URL state is not warned about.");
        StringAssert.Contains(File.ReadAllText(app.LockFile), $"\"store\": \"url:{url.AbsoluteUri}\"");
        var starts = server.Requests.Where(request => request.Method == "GET" && request.Range is not null)
            .Select(request => long.Parse(request.Range!["bytes=".Length..].Split('-')[0], CultureInfo.InvariantCulture)).ToList();
        Assert.IsTrue(starts.Any(start => start % ChunkSize != 0), $"After the cut the download resumed inside its chunk: {string.Join(", ", starts)}");
        Assert.IsTrue(server.BytesServed < bytes.Length + (4L << 20), $"{server.BytesServed} bytes served for a {bytes.Length}-byte file: nothing was downloaded twice beyond the cut.");
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"state {Resnet} size={bytes.Length} sha256={sha} read={bytes.Length}", run.ToString());
    }
}
