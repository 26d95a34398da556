# Producer configuration used to train the model.
model = dict(type="FasterRCNN", backbone="resnet50", num_classes=3)
optimizer = dict(type="SGD", lr=0.02, momentum=0.9)
total_epochs = 12
