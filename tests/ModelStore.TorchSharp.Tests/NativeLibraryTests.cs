using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

[TestClass]
public sealed class NativeLibraryTests
{
    [TestMethod]
    public void TorchSharp_native_library_loads_and_computes()
    {
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = a * 2;
        CollectionAssert.AreEqual(new float[] { 2, 4, 6 }, b.data<float>().ToArray());
    }
}
