package dev.tollgate.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A small publisher on Spring Boot: paid quotes (an API priced per call) and paid articles, priced in application.yml. */
@SpringBootApplication
public class SpringBootSiteApplication {

    public static void main(String[] args) {
        SpringApplication.run(SpringBootSiteApplication.class, args);
    }
}
