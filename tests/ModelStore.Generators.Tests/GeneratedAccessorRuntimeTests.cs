using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using Microsoft.CodeAnalysis;
using ModelStore.Caching;
using ModelStore.States;
using static ModelStore.Generators.Tests.GeneratorDriverHarness;

namespace ModelStore.Generators.Tests;

/// <summary>
/// End to end without MSBuild: descriptors → generator → compiled consumer assembly → the generated accessors
/// open verified bytes from the output folder and from a MODELSTORE_HOME cache.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class GeneratedAccessorRuntimeTests
{
    [TestMethod]
    public async Task Generated_accessors_compile_without_warnings_and_open_the_bytes_they_describe()
    {
        var savedHome = Environment.GetEnvironmentVariable(StateCache.HomeVariable);
        var cacheRoot = Path.Combine(Path.GetTempPath(), "modelstore-e2e-" + Guid.NewGuid().ToString("N"));
        var outputFolder = "modelstates-e2e-" + Guid.NewGuid().ToString("N");
        try
        {
            Environment.SetEnvironmentVariable(StateCache.HomeVariable, cacheRoot);
            var cached = RandomBytes(70_000);
            var copied = RandomBytes(30_000);
            using (var content = new MemoryStream(cached))
            {
                await new StateCache(cacheRoot).AddAsync("local:/states", StateKey.Parse("pytorch/resnet18.cls1000.imagenet"), content);
            }

            var copyPath = Path.Combine(AppContext.BaseDirectory, outputFolder, "pytorch.tiny-mlp.digits.v1.pt");
            Directory.CreateDirectory(Path.GetDirectoryName(copyPath)!);
            await File.WriteAllBytesAsync(copyPath, copied);

            var resnet = new Descriptor("pytorch/resnet18.cls1000.imagenet", Store: "mozuma", Sha256: Sha(cached), Size: cached.Length);
            var digits = new Descriptor("pytorch/tiny-mlp.digits.v1", Sha256: Sha(copied), Size: copied.Length, Accessor: "Digits",
                Output: $"{outputFolder}/pytorch.tiny-mlp.digits.v1.pt");

            CreateDriver([Text(resnet, digits)])
                .RunGeneratorsAndUpdateCompilation(
                    Compilation("namespace Consumer.App { /// <summary>A type.</summary>\npublic static class Program { } }"),
                    out var output,
                    out var generatorDiagnostics);
            Assert.IsEmpty(generatorDiagnostics);
            using var image = new MemoryStream();
            var emit = output.Emit(image);
            Assert.IsTrue(emit.Success, string.Join("\n", emit.Diagnostics));
            Assert.IsEmpty(output.GetDiagnostics().Where(static d => d.Severity >= DiagnosticSeverity.Warning), string.Join("\n", output.GetDiagnostics()));

            var context = new AssemblyLoadContext("consumer", isCollectible: true);
            try
            {
                image.Position = 0;
                var modelStates = context.LoadFromStream(image).GetType("Consumer.App.ModelStates", throwOnError: true)!;
                var all = (IReadOnlyList<PretrainedState>)modelStates.GetProperty("All", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
                var digitsState = (PretrainedState)modelStates.GetProperty("Digits")!.GetValue(null)!;
                var resnetState = (PretrainedState)modelStates.GetProperty("Resnet18Cls1000Imagenet")!.GetValue(null)!;

                CollectionAssert.AreEqual(new[] { digitsState, resnetState }, all.ToArray());
                Assert.ThrowsExactly<NotSupportedException>(() => ((IList<PretrainedState>)all).Add(digitsState));
                Assert.AreEqual("mozuma", resnetState.Store);
                Assert.AreEqual(cached.Length, resnetState.Size);
                CollectionAssert.AreEqual(cached, ReadAll(resnetState));
                Assert.AreEqual(Path.GetFullPath(copyPath), digitsState.ResolvePath());
                CollectionAssert.AreEqual(copied, ReadAll(digitsState));
            }
            finally
            {
                context.Unload();
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(StateCache.HomeVariable, savedHome);
            if (Directory.Exists(cacheRoot))
            {
                Directory.Delete(cacheRoot, recursive: true);
            }

            if (Directory.Exists(Path.Combine(AppContext.BaseDirectory, outputFolder)))
            {
                Directory.Delete(Path.Combine(AppContext.BaseDirectory, outputFolder), recursive: true);
            }
        }
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] ReadAll(PretrainedState state)
    {
        using var stream = state.OpenRead();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
