"""The live front-end: ipywidgets controls and an image the kernel redraws whenever a
control moves (JupyterLab, Notebook 7, Binder, the browser edition).

Stable CSS classes (``nnfb-explorer``, ``nnfb-explorer-<name>``, ``nnfb-control-<param>``,
``nnfb-image``, ``nnfb-status``) let the browser tests find the parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._model import Slider

if TYPE_CHECKING:
    from ._model import Explorer


def live_widget(explorer: Explorer) -> Any:
    """An ipywidgets box: the controls, a status label and the figure as an image. The
    box's ``redraw()`` draws the current values again and ``inputs`` maps each
    parameter to its control."""
    import ipywidgets as w

    inputs: dict[str, Any] = {}
    for c in explorer.controls:
        desc = c.label or c.name
        if isinstance(c, Slider):
            widget = w.FloatSlider(
                value=c.start,
                min=c.values[0],
                max=c.values[-1],
                step=c.live_step,
                description=desc,
                continuous_update=False,
                readout_format=".3g",
                style={"description_width": "initial"},
            )
        else:
            widget = w.Dropdown(
                options=list(c.options),
                value=c.start,
                description=desc,
                style={"description_width": "initial"},
            )
        widget.add_class(f"nnfb-control-{c.name}")
        inputs[c.name] = widget
    image = w.Image(format="png")
    image.add_class("nnfb-image")
    status = w.HTML()
    status.add_class("nnfb-status")

    def redraw(_: Any = None) -> None:
        params = {name: widget.value for name, widget in inputs.items()}
        image.value = explorer.render(**params)
        status.value = ", ".join(
            f"{c.label or c.name} = {c.show(params[c.name])}" for c in explorer.controls
        )

    for widget in inputs.values():
        widget.observe(redraw, names="value")
    redraw()
    box = w.VBox([w.HBox(list(inputs.values())), status, image])
    box.add_class("nnfb-explorer")
    box.add_class(f"nnfb-explorer-{explorer.name}")
    box.redraw = redraw
    box.inputs = inputs
    return box
