"""Cancelling and changing orders, and where to place a new one.

    cancel_order            -> cancel_order_form   -> action_cancel_order     (cancel.py)
    change_shipping_address -> change_address_form -> action_change_address   (address.py)
    set_up_shipping_address -> change_address_form (no order named: how addresses are set up)
    change_order            -> change_order_form   -> action_change_order     (items.py)
    place_order             -> action_place_order_info                        (placing.py)

The forms are in forms.py: every one first takes the order number and
verifies the customer; once the order is known, its status decides the path
(only an order that hasn't shipped is shown and confirmed before it is
changed). facts.py says the order's facts in the customer's words.
"""
from actions.order_changes.address import ActionChangeAddress
from actions.order_changes.cancel import ActionCancelOrder
from actions.order_changes.forms import (ValidateCancelOrderForm, ValidateChangeAddressForm,
                                         ValidateChangeOrderForm)
from actions.order_changes.items import ActionChangeOrder
from actions.order_changes.placing import ActionPlaceOrderInfo

__all__ = ["ActionCancelOrder", "ActionChangeAddress", "ActionChangeOrder", "ActionPlaceOrderInfo",
           "ValidateCancelOrderForm", "ValidateChangeAddressForm", "ValidateChangeOrderForm"]
