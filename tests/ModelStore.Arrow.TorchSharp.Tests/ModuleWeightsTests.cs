using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.Arrow.TorchSharp.Tests;

/// <summary>Real TorchSharp modules through Arrow model rows and back.</summary>
[TestClass]
public sealed class ModuleWeightsTests
{
    private static readonly RowSchema TorchRow = ModelRowSchemas.ModelV1.Extend(
        "torch-digits.model", 1, RowColumn.Optional("epoch", Apache.Arrow.Types.Int64Type.Default));

    private static Tensor Input() => rand([4, 1, 14, 14], generator: new Generator(7));

    [TestMethod]
    public void Parameters_and_buffers_are_fetched_in_module_order_with_shared_tensors_once()
    {
        using var model = new DigitsNet(seed: 1);

        var names = ModuleWeights.Names(model);
        var weights = ModuleWeights.Fetch(model);

        CollectionAssert.AreEqual(
            new[]
            {
                "conv1.weight", "conv1.bias",
                "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var", "norm.num_batches_tracked",
                "conv2.weight", "conv2.bias", "dense.weight", "dense.bias", "shared.weight", "shared.bias",
            },
            names.ToArray());
        Assert.HasCount(names.Count, weights);
        Assert.AreEqual(WeightElementType.Float32, weights.ElementType, "num_batches_tracked (Int64) promotes to Float32 as in Julia");
        CollectionAssert.AreEqual(new long[] { 3, 3, 1, 8 }, weights[0].Size.ToArray(), "a [8,1,3,3] kernel has Julia size (3,3,1,8)");
        CollectionAssert.AreEqual(model.Shared.weight!.data<float>().ToArray(), weights[11].GetValues<float>().ToArray());
    }

    [TestMethod]
    public async Task A_module_loaded_from_a_written_row_gives_identical_outputs()
    {
        using var input = Input();
        using var trained = new DigitsNet(seed: 1);
        trained.WarmUp(input);
        using var expected = trained.forward(input);
        var row = new ModelRow(TorchRow, ModuleWeights.Fetch(trained), architectureVersion: 1, new Dictionary<string, object?> { ["epoch"] = 3L });
        using var file = new MemoryStream();
        await ModelRowFile.WriteAsync(file, row);

        file.Position = 0;
        var read = await ModelRowFile.ReadAsync(file, TorchRow);
        using var fresh = new DigitsNet(seed: 99);
        fresh.eval();
        using var before = fresh.forward(input);
        ModuleWeights.Load(fresh, read.Weights!);
        using var actual = fresh.forward(input);

        Assert.IsFalse(Same(before, expected), "a fresh module differs before loading");
        Assert.IsTrue(Same(actual, expected), "identical outputs after loading");
        var trainedStats = trained.named_buffers().ToDictionary(pair => pair.name, pair => pair.buffer);
        foreach (var (name, buffer) in fresh.named_buffers())
        {
            Assert.IsTrue(Same(buffer, trainedStats[name]), $"buffer {name}");
        }

        Assert.AreEqual(3.0, fresh.named_buffers().Single(pair => pair.name == "norm.num_batches_tracked").buffer.to_type(ScalarType.Float64).item<double>(), "three training passes counted");
        Assert.AreSame(fresh.Shared.weight, fresh.Tied.weight, "still one tensor under two names");
    }

    [TestMethod]
    public void Weights_of_another_architecture_are_refused_and_leave_the_module_untouched()
    {
        using var source = new DigitsNet(seed: 1);
        var weights = ModuleWeights.Fetch(source);
        using var wider = new DigitsNet(seed: 2, hidden: 12);
        using var deeper = new DigitsNet(seed: 3, extraLayer: true);
        var widerBefore = ModuleWeights.Fetch(wider);

        var shapeError = Assert.ThrowsExactly<ModelRowException>(() => ModuleWeights.Load(wider, weights));
        var countError = Assert.ThrowsExactly<ModelRowException>(() => ModuleWeights.Load(deeper, weights));

        Assert.AreEqual(ModelRowError.ArchitectureMismatch, shapeError.RowError);
        Assert.Contains("dense.weight", shapeError.Message);
        Assert.AreEqual(ModelRowError.ArchitectureMismatch, countError.RowError);
        Assert.Contains("13", countError.Message);
        var widerAfter = ModuleWeights.Fetch(wider);
        for (var i = 0; i < widerBefore.Count; i++)
        {
            CollectionAssert.AreEqual(widerBefore[i].GetValues<float>().ToArray(), widerAfter[i].GetValues<float>().ToArray(), "nothing was copied");
        }
    }

    [TestMethod]
    public void Double_precision_modules_keep_their_element_type_and_a_chosen_type_converts()
    {
        using var model = new DigitsNet(seed: 4, dtype: ScalarType.Float64);

        var asDouble = ModuleWeights.Fetch(model);
        var asHalf = ModuleWeights.Fetch(model, WeightElementType.Float16);
        using var copy = new DigitsNet(seed: 5, dtype: ScalarType.Float64);
        ModuleWeights.Load(copy, asDouble);

        Assert.AreEqual(WeightElementType.Float64, asDouble.ElementType);
        Assert.AreEqual(WeightElementType.Float16, asHalf.ElementType);
        using var input = Input().to(ScalarType.Float64);
        model.eval();
        copy.eval();
        Assert.IsTrue(Same(model.forward(input), copy.forward(input)));
    }

    /// <summary>Exactly equal: same shape and bit-identical values.</summary>
    private static bool Same(Tensor left, Tensor right) =>
        left.shape.SequenceEqual(right.shape)
        && left.to_type(ScalarType.Float64).data<double>().ToArray().SequenceEqual(right.to_type(ScalarType.Float64).data<double>().ToArray());
}
