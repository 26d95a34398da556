// Trains the sample's tiny MLP on generated digits and saves two states through the local store:
// pytorch/tiny-mlp.digits.early (after one epoch) and pytorch/tiny-mlp.digits.v1 (fully trained).
// Usage: dotnet run --project samples/Digits.Trainer -- <store folder>
using Digits;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.TorchSharp;
using static TorchSharp.torch;

var storeFolder = args.Length > 0 ? args[0] : Path.Combine("samples", "states");
var store = new LocalStateStore(storeFolder);
var stateType = new StateType("pytorch", "tiny-mlp", "digits");

random.manual_seed(2026);
var (trainFeatures, trainLabels) = DigitsData.Generate(4000, seed: 1);
var (testFeatures, testLabels) = DigitsData.Generate(1000, seed: 2);
using var inputs = tensor(trainFeatures).reshape(trainLabels.Length, DigitsData.Pixels);
using var targets = tensor(trainLabels);

var model = new DigitsModel();
var optimizer = optim.Adam(model.parameters(), lr: 0.01);
const int batchSize = 100;
for (var epoch = 1; epoch <= 12; epoch++)
{
    model.train();
    for (var start = 0; start < trainLabels.Length; start += batchSize)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.forward(inputs[start..(start + batchSize)]), targets[start..(start + batchSize)]);
        loss.backward();
        optimizer.step();
    }

    var (accuracy, _) = model.Evaluate(testFeatures, testLabels);
    Console.WriteLine($"epoch {epoch,2}: test accuracy {accuracy:P1}");
    if (epoch == 1)
    {
        var early = await store.SaveAsync(new TorchModuleState(model, stateType), "early", overwrite: true);
        Console.WriteLine($"saved {early} to {store.Description}");
    }
}

var key = await store.SaveAsync(new TorchModuleState(model, stateType), "v1", overwrite: true);
Console.WriteLine($"saved {key} to {store.Description}");
