package dev.tollgate.spring;

import dev.tollgate.gateway.Payment;
import java.util.Optional;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Hands a controller the {@link Payment} the filter set on the request ({@link Payment#REQUEST_ATTRIBUTE}). A
 * {@code Payment} parameter is required, as a {@code @RequestAttribute} is: on a request that was not paid (a free or
 * unpriced path, a free read under {@code free:}, any request under {@code mode: shadow}) the handler is not called
 * and Spring answers {@code 400}. An {@code Optional<Payment>} parameter is empty there instead, so a handler under a
 * rule with {@code free:} or {@code mode: shadow} declares {@code Optional<Payment>}. The value comes only from the request attribute, never from request parameters.
 */
final class PaymentArgumentResolver implements HandlerMethodArgumentResolver {

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == Payment.class
                || (parameter.getParameterType() == Optional.class
                        && parameter.nested().getNestedParameterType() == Payment.class);
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer container,
                                  NativeWebRequest request, WebDataBinderFactory binderFactory)
            throws ServletRequestBindingException {
        Object payment = request.getAttribute(Payment.REQUEST_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
        if (parameter.getParameterType() == Optional.class) {
            return Optional.ofNullable(payment);
        }
        if (payment == null) {
            throw new ServletRequestBindingException("Missing Payment for " + parameter.getExecutable().getName()
                    + ": the request was not paid. Price its path with a tollgate rule, or take Optional<Payment>.");
        }
        return payment;
    }
}
